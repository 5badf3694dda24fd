"""Secure connection (HTTPS)

What it checks
    * The site is served over HTTPS with a certificate that a browser accepts: issued by a known
      authority, for this host name, and not expired. The certificate's facts are shown: issuer,
      organisation (present on organisation- and extended-validation certificates), validity dates, and
      the TLS protocol version.
    * The plain ``http://`` address sends visitors on to HTTPS.
    * The site asks browsers to always use HTTPS (the ``Strict-Transport-Security`` header, HSTS).
    * No sign-in, checkout or payment form sends what you type over plain HTTP.

Why it matters
    Consumer guidance (FDA BeSafeRx, the pharmacy boards) tells buyers to use only sites whose checkout is
    secure. A pharmacy handles prescriptions, health details and card numbers: over plain HTTP, or behind a
    certificate your browser refuses, anyone on the network path can read or change them. HTTPS alone proves
    nothing about honesty: rogue shops have valid certificates too. It is a minimum, not a seal.

Passes
    ``https://pharmacy.example`` with a valid certificate, ``http://`` redirecting to it, HSTS set, and a
    checkout form posting to an ``https://`` address.

Fails
    A self-signed, expired or wrong-host certificate; a site on plain HTTP; a password or card form whose
    ``action`` is an ``http://`` address.

Limits
    A saved page or folder (offline check) has no connection to judge: the rule then says "not checked";
    it does not pass. The rule reads the forms it was served; forms built by JavaScript are not seen.

What to do
    Never type health or card details into a page your browser marks "not secure".
"""

from __future__ import annotations

from typing import Iterator

from pharmcheck.findings import FAIL, INFO, PASS, WARN, Evidence, Finding
from pharmcheck.site import Site

ID = "https"
TITLE = "Secure connection (HTTPS)"
OUTCOMES = {
    "https-not-checked": "Saved pages were checked offline: the connection could not be judged.",
    "https-valid-certificate": "Served over HTTPS with a valid certificate.",
    "https-invalid-certificate": "The HTTPS certificate was refused (expired, self-signed, unknown issuer or wrong host).",
    "https-not-used": "The site is served over plain HTTP.",
    "https-http-redirects": "The plain http:// address redirects to HTTPS.",
    "https-http-no-redirect": "The plain http:// address serves the site without moving to HTTPS.",
    "https-http-not-checked": "The plain http:// address could not be asked.",
    "https-hsts": "The site sets HSTS (Strict-Transport-Security).",
    "https-hsts-missing": "The site does not set HSTS.",
    "https-insecure-form": "A sign-in, checkout or payment form submits to plain HTTP.",
    "https-forms-secure": "Sign-in, checkout and payment forms submit over HTTPS (not judged for saved pages).",
}


def check(site: Site) -> Iterator[Finding]:
    if site.offline:
        yield Finding(
            outcome="https-not-checked",
            status=INFO,
            message="Checked from saved pages: the connection, certificate and redirects were not checked.",
            searched=site.urls,
        )
        yield from _forms(site)
        return

    tls = site.tls
    final = site.final_url
    if not final.startswith("https://"):
        yield Finding(
            outcome="https-not-used",
            status=FAIL,
            message="The site is served over plain HTTP: anything you type can be read on the way.",
            evidence=[Evidence(url=final, where="url", why="the page you reach is an http:// address")],
        )
    elif tls.valid is False:
        yield Finding(
            outcome="https-invalid-certificate",
            status=FAIL,
            message=f"Your browser would warn you: {tls.error}.",
            evidence=[Evidence(url=final, where="certificate", quote=tls.error, why="certificate verification failed")],
            facts=tls.to_dict(),
        )
    else:
        who = f" issued to {tls.subject_org}" if tls.subject_org else ""
        by = f" by {tls.issuer}" if tls.issuer else ""
        until = f", valid until {tls.not_after[:10]}" if tls.not_after else ""
        yield Finding(
            outcome="https-valid-certificate",
            status=PASS,
            message=f"Valid HTTPS certificate{who}{by}{until} ({tls.protocol or 'TLS'}).",
            evidence=[
                Evidence(
                    url=final,
                    where="certificate",
                    quote=f"issuer: {tls.issuer}; subject: {tls.subject_cn}; organisation: {tls.subject_org or 'not stated'}",
                    why="the certificate chain and host name verified against the trusted authorities",
                )
            ],
            facts=tls.to_dict(),
        )

    probe = site.http_probe
    if final.startswith("https://"):
        if not probe.checked or probe.redirects_to_https is None:
            yield Finding(
                outcome="https-http-not-checked",
                status=INFO,
                message="The plain http:// address could not be asked" + (f": {probe.error}." if probe.error else "."),
                evidence=[Evidence(url=probe.url or final, where="url", why="no answer to judge")] if probe.url else [],
            )
        elif probe.redirects_to_https:
            yield Finding(
                outcome="https-http-redirects",
                status=PASS,
                message="The plain http:// address sends visitors on to HTTPS.",
                evidence=[Evidence(url=probe.url or final, where="header", quote=f"{probe.status} Location: {probe.location}", why="redirect to HTTPS")],
            )
        else:
            yield Finding(
                outcome="https-http-no-redirect",
                status=WARN,
                message="The plain http:// address does not move visitors to HTTPS.",
                evidence=[Evidence(url=probe.url or final, where="header", quote=f"HTTP {probe.status}" + (f" Location: {probe.location}" if probe.location else ""), why="answered without redirecting to https://")],
            )
        start = site.start
        hsts = start.headers.get("strict-transport-security") if start is not None else None
        if hsts:
            yield Finding(
                outcome="https-hsts",
                status=PASS,
                message="The site tells browsers to always use HTTPS (HSTS).",
                evidence=[Evidence(url=start.url, where="header", quote=f"Strict-Transport-Security: {hsts}", why="HSTS header present")],
            )
        else:
            yield Finding(
                outcome="https-hsts-missing",
                status=WARN,
                message="The site does not tell browsers to always use HTTPS (no HSTS header).",
                evidence=[Evidence(url=start.url if start else final, where="header", why="no Strict-Transport-Security header in the answer")],
                searched=[start.url] if start else [],
            )
    yield from _forms(site)


def _forms(site: Site) -> Iterator[Finding]:
    insecure: list[Evidence] = []
    sensitive = 0
    for page in site.pages:
        for form in page.forms:
            if not (form.has_password or form.has_payment or _checkout_like(form.action)):
                continue
            sensitive += 1
            what = "card details" if form.has_payment else ("a password" if form.has_password else "checkout details")
            if form.action.startswith("http://"):
                insecure.append(Evidence(url=page.url, where="form", quote=f'<form action="{form.action}" method="{form.method}">', why=f"a form asking for {what} submits to plain HTTP"))
            elif page.url.startswith("http://") and not form.action.startswith("https://"):
                insecure.append(Evidence(url=page.url, where="form", quote=f'<form action="{form.action}">', why=f"a form asking for {what} on a plain-HTTP page"))
    if insecure:
        yield Finding(
            outcome="https-insecure-form",
            status=FAIL,
            message="A sign-in, checkout or payment form sends what you type over plain HTTP.",
            evidence=insecure[:5],
        )
    elif sensitive and not site.offline:  # a saved page's relative form address cannot be judged
        yield Finding(
            outcome="https-forms-secure",
            status=PASS,
            message=f"{sensitive} sign-in, checkout or payment form(s) submit over HTTPS.",
            searched=site.urls,
        )


def _checkout_like(action: str) -> bool:
    low = action.lower()
    return any(word in low for word in ("checkout", "payment", "login", "signin", "sign-in", "cart", "order"))
