"""TLS: one SSL context per configuration, the facts of a connection's certificate, and why a certificate
was refused, in words."""

from __future__ import annotations

import ssl
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .site import TLSInfo

if TYPE_CHECKING:
    import httpx


_SSL_CONTEXTS: dict[tuple[Any, ...], ssl.SSLContext] = {}


def ssl_context(ca_file: str | None = None, verify: bool = True, trust_env: bool = False) -> ssl.SSLContext:
    """One SSL context per configuration, shared by every client: building one costs milliseconds.

    The trusted authorities are certifi's, or, with ``trust_env``, those of ``SSL_CERT_FILE`` or
    ``SSL_CERT_DIR`` when set (as curl, OpenSSL and httpx read them); ``ca_file`` adds to either."""
    import os

    from .transfer import FetchError

    env_file = os.environ.get("SSL_CERT_FILE") if trust_env else None
    env_dir = os.environ.get("SSL_CERT_DIR") if trust_env and not env_file else None
    key = (ca_file, verify, env_file, env_dir)
    ctx = _SSL_CONTEXTS.get(key)
    if ctx is None:
        if verify:
            import certifi

            try:
                if env_file:
                    ctx = ssl.create_default_context(cafile=env_file)
                elif env_dir:
                    ctx = ssl.create_default_context(capath=env_dir)
                else:
                    ctx = ssl.create_default_context(cafile=certifi.where())
            except (OSError, ssl.SSLError) as exc:
                raise FetchError("invalid-input", f"cannot read the CA certificates of SSL_CERT_FILE/SSL_CERT_DIR: {exc}") from None
            if ca_file:
                try:
                    ctx.load_verify_locations(cafile=ca_file)
                except (OSError, ssl.SSLError) as exc:
                    raise FetchError("invalid-input", f"cannot read CA bundle {ca_file}: {exc}") from None
        else:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        _SSL_CONTEXTS[key] = ctx
    return ctx


def _name(pairs: Any, key: str) -> str | None:
    for rdn in pairs or ():
        for k, v in rdn:
            if k == key:
                return v
    return None


def _cert_time(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(ssl.cert_time_to_seconds(value), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return value


def tls_facts(response: httpx.Response) -> TLSInfo:
    stream = response.extensions.get("network_stream")
    sslobj = stream.get_extra_info("ssl_object") if stream is not None else None
    info = TLSInfo(checked=True, valid=True)
    if sslobj is None:
        return info
    info.protocol = sslobj.version()
    cipher = sslobj.cipher()
    info.cipher = cipher[0] if cipher else None
    cert = sslobj.getpeercert() or {}
    issuer = cert.get("issuer")
    info.issuer = _name(issuer, "organizationName") or _name(issuer, "commonName")
    info.subject_cn = _name(cert.get("subject"), "commonName")
    info.subject_org = _name(cert.get("subject"), "organizationName")
    info.not_before = _cert_time(cert.get("notBefore"))
    info.not_after = _cert_time(cert.get("notAfter"))
    info.san = [v for k, v in cert.get("subjectAltName", ()) if k in ("DNS", "IP Address")][:20]
    return info


def _tls_reason(exc: BaseException) -> str | None:
    """The certificate problem behind a connection error, in words, or None when it was not one."""
    seen = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, ssl.SSLCertVerificationError):
            msg = e.verify_message or str(e)
            if "Hostname mismatch" in msg or "IP address mismatch" in msg:
                return f"the certificate is not valid for this host name ({msg})"
            if "expired" in msg:
                return "the certificate has expired"
            if "self-signed" in msg or "self signed" in msg:
                return "the certificate is self-signed"
            if "unable to get local issuer" in msg:
                return "the certificate was issued by an unknown authority"
            return f"the certificate was refused: {msg}"
        e = e.__cause__ or e.__context__
    return None
