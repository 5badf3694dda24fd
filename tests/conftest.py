"""Shared fixtures: a trusted test CA, real loopback servers, the fixture sites and the reference pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
import trustme

from tests.servers import SITES_DIR, SiteServer, reserve_dead_port, site_serve_options

REPO_ROOT = Path(__file__).resolve().parent.parent
REAL_PAGES = REPO_ROOT.parent / "shared" / "data" / "real-pages"


@pytest.fixture(scope="session", autouse=True)
def _pattern_cache_of_the_run(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The `pharmcheck` processes the tests start keep their compiled patterns (pharmcheck/patterncache.py)
    in a folder of this run, never in the home folder of whoever runs the tests."""
    import os

    os.environ["PHARMCHECK_CACHE_DIR"] = str(tmp_path_factory.mktemp("pattern-cache"))


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    """The test certificate authority: the client is told to trust it, and "valid" servers use it."""
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_bundle(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a PEM file holding the test CA (for the fetcher's ca_file / --ca-bundle)."""
    path = tmp_path_factory.mktemp("ca") / "test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def serve(ca: trustme.CA) -> Any:
    """Factory: ``serve(root_or_None, **SiteServer options) -> SiteServer``, stopped after the test."""
    servers: list[SiteServer] = []

    def _serve(root: Path | str | None = None, **kwargs: Any) -> SiteServer:
        kwargs.setdefault("ca", ca)
        server = SiteServer(root, **kwargs)
        servers.append(server)
        return server

    yield _serve
    errors = []
    for server in servers:
        try:
            server.stop()
        except RuntimeError as exc:  # a thread that would not end: fail loudly, after stopping the rest
            errors.append(str(exc))
    if errors:
        pytest.fail("; ".join(errors))


@pytest.fixture
def serve_site(serve: Callable[..., SiteServer]) -> Callable[..., SiteServer]:
    """Factory: ``serve_site(name, **options)`` serves tests/sites/<name>/.

    Options come from the site's site.json ("serve"), tls="valid" by default; keyword arguments win.
    """

    def _serve_site(name: str, **kwargs: Any) -> SiteServer:
        root = SITES_DIR / name
        if not root.is_dir():
            raise ValueError(f"no fixture site {name!r} in {SITES_DIR}")
        options: dict[str, Any] = {"tls": "valid"}
        options.update(site_serve_options(name))
        options.update(kwargs)
        return serve(root, **options)

    return _serve_site


@pytest.fixture
def dead_url() -> Any:
    """An http URL on a loopback port where nothing listens (connection refused).

    The port stays reserved (bound, never listening) until the test ends, so no server can take it.
    """
    sock, port = reserve_dead_port()
    with sock:
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture
def real_pages() -> Path:
    """../shared/data/real-pages (saved real sites); the test is skipped when it is absent."""
    if not REAL_PAGES.is_dir():
        pytest.skip(f"reference pages not available ({REAL_PAGES})")
    return REAL_PAGES
