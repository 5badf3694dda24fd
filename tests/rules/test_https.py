"""The https rule, from gathered facts (the fetcher's side is tested against real servers in test_fetch.py)."""

from __future__ import annotations

from pharmcheck.rules import https
from pharmcheck.site import HttpProbe, TLSInfo
from tests.helpers import make_site

PAGE = "<html><body><h1>Pharmacy</h1></body></html>"
LOGIN_HTTP = '<html><body><form action="http://pharmacy.example/login" method="post"><input type="email" name="email"><input type="password" name="pw"></form></body></html>'
LOGIN_HTTPS = LOGIN_HTTP.replace("http://", "https://")
CARD = '<html><body><form action="/pay" method="post"><input name="cardnumber"><input name="cvv"></form></body></html>'


def outcomes(site):
    return {f.outcome: f for f in https.check(site)}


def good_tls():
    return TLSInfo(checked=True, valid=True, protocol="TLSv1.3", issuer="Test CA", subject_cn="pharmacy.example", subject_org="Pharmacy Ltd", not_after="2027-01-01T00:00:00Z")


def test_valid_https_with_redirect_and_hsts_passes():
    site = make_site({"https://pharmacy.example/": PAGE}, tls=good_tls(), http_probe=HttpProbe(checked=True, url="http://pharmacy.example/", status=301, location="https://pharmacy.example/", redirects_to_https=True))
    site.pages[0].headers["strict-transport-security"] = "max-age=31536000"
    found = outcomes(site)
    assert set(found) == {"https-valid-certificate", "https-http-redirects", "https-hsts"}
    assert all(f.status == "pass" for f in found.values())
    assert "Pharmacy Ltd" in found["https-valid-certificate"].message
    assert found["https-valid-certificate"].facts["protocol"] == "TLSv1.3"


def test_invalid_certificate_fails_with_the_reason():
    site = make_site({"https://pharmacy.example/": PAGE}, tls=TLSInfo(checked=True, valid=False, error="the certificate has expired"))
    found = outcomes(site)
    assert found["https-invalid-certificate"].status == "fail"
    assert "expired" in found["https-invalid-certificate"].message
    assert "https-valid-certificate" not in found


def test_plain_http_site_fails():
    site = make_site({"http://pharmacy.example/": PAGE})
    found = outcomes(site)
    assert found["https-not-used"].status == "fail"


def test_no_redirect_and_no_hsts_warn():
    site = make_site({"https://pharmacy.example/": PAGE}, tls=good_tls(), http_probe=HttpProbe(checked=True, url="http://pharmacy.example/", status=200, redirects_to_https=False))
    found = outcomes(site)
    assert found["https-http-no-redirect"].status == "warn"
    assert found["https-hsts-missing"].status == "warn"


def test_login_form_posting_to_http_fails_and_https_form_passes():
    site = make_site({"https://pharmacy.example/": LOGIN_HTTP}, tls=good_tls())
    found = outcomes(site)
    assert found["https-insecure-form"].status == "fail"
    assert 'action="http://pharmacy.example/login"' in found["https-insecure-form"].evidence[0].quote
    site = make_site({"https://pharmacy.example/": LOGIN_HTTPS}, tls=good_tls())
    found = outcomes(site)
    assert "https-insecure-form" not in found and found["https-forms-secure"].status == "pass"


def test_card_form_on_a_plain_http_page_fails():
    site = make_site({"http://pharmacy.example/checkout": CARD})
    assert outcomes(site)["https-insecure-form"].status == "fail"


def test_offline_is_not_checked_never_a_pass():
    site = make_site({"file:///saved/index.html": PAGE}, mode="offline")
    found = outcomes(site)
    assert found["https-not-checked"].status == "info"
    assert not any(f.status == "pass" for f in found.values())
