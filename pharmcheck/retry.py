"""Retries of one request: a dropped or refused connection, ``429 Too Many Requests`` and ``503 Service
Unavailable`` are asked again, at most ``FetchConfig.retries`` times (``audit --retries N``).

* The wait is exponential with jitter: about 0.5 s, 1 s, 2 s ... (each between half and one and a half
  times that, at most :data:`MAX_BACKOFF`), so the sites a run retries at once do not all come back at once.
* A ``Retry-After`` header (seconds or an HTTP date) is honoured: pharmcheck never asks sooner. When it asks
  for more than :data:`MAX_RETRY_AFTER` seconds, pharmcheck does not wait: the answer stands (an
  ``http-status`` error), and ``audit --resume --recheck could-not-check`` can ask again later.
* Every wait counts against the site's time budget: a retry that would not fit in what is left of it is
  not made, and the last answer or error stands.

Not retried: a name that does not resolve, a certificate refused, a timeout (it already used the page's
whole deadline), any other status.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable

if TYPE_CHECKING:
    from .fetch import FetchConfig

RETRY_STATUSES = frozenset({429, 503})
RETRY_KINDS = frozenset({"connect", "reset", "network"})  # FetchError kinds of a failed connection
BACKOFF = 0.5  # seconds before the first retry, doubled each time
MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 20.0  # seconds: a server asking for a longer pause is not retried in this run
MARGIN = 0.5  # seconds of budget a retry must leave for the request itself


def backoff(attempt: int, rng: random.Random | None = None) -> float:
    """The pause before retry number ``attempt + 1``: exponential, with jitter."""
    base = min(MAX_BACKOFF, BACKOFF * (2**attempt))
    return base * (rng or random).uniform(0.5, 1.5)


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (RFC 9110 section 10.2.3), or None when it is absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


async def with_retries(request: Callable[..., Awaitable[Any]], client: Any, url: str, config: "FetchConfig", deadline: float, **kw: Any) -> Any:
    """``await request(client, url, config, deadline, **kw)``, retried as this module says."""
    from .fetch import FetchError

    retries = getattr(config, "retries", 0)
    attempt = 0
    while True:
        try:
            answer = await request(client, url, config, deadline, **kw)
        except FetchError as exc:
            if exc.kind not in RETRY_KINDS or attempt >= retries:
                raise
            wait = backoff(attempt)
            if time.monotonic() + wait + MARGIN > deadline:
                raise
        else:
            if answer.status not in RETRY_STATUSES or attempt >= retries:
                return answer
            asked = retry_after(answer.headers.get("retry-after"))
            if asked is not None and asked > MAX_RETRY_AFTER:
                return answer
            wait = max(asked or 0.0, backoff(attempt)) if asked is None else asked
            if time.monotonic() + wait + MARGIN > deadline:
                return answer
        attempt += 1
        await asyncio.sleep(wait)
