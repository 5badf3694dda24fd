"""Only public addresses: every hop is resolved once, checked, and connected to as checked.

Everything here runs on loopback. The refusal of other ranges (private, link-local, ...) is checked on the
address alone, before any connection: no test sends a packet anywhere but 127.0.0.0/8.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pharmcheck.engine import check_sync
from pharmcheck.fetch import FetchConfig
from pharmcheck.netguard import AddressPolicy, AddressRefused, literal_address, refusal
from tests.proxy import LoopbackProxy
from tests.servers import html_doc, page, redirect

REPO = Path(__file__).resolve().parent.parent
SHOP = html_doc("Shop", "<h1>Pharmacy</h1><p>Buy Viagra 100mg x 10 tablets $19.99. No prescription needed.</p>")


@pytest.mark.parametrize(
    "address, why",
    [
        ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
        ("10.0.0.1", "private"), ("172.16.5.4", "private"), ("192.168.1.1", "private"), ("fd00::1", "private"),
        ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
        ("100.64.0.1", "shared"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"),
        ("192.0.2.10", "reserved"),  # documentation range
        ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"), ("::ffff:10.1.2.3", "private"),
        ("::127.0.0.1", "loopback"),  # IPv4-compatible
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 of 169.254.169.254
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1 (obfuscated)
    ],
)
def test_non_global_addresses_are_refused(address: str, why: str) -> None:
    reason = refusal(address)
    assert reason is not None and why in reason


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(address) is None


@pytest.mark.parametrize(
    "spelling, address",
    [("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("0x7f000001", "127.0.0.1"),
     ("167772161", "10.0.0.1"), ("[::ffff:7f00:1]", "::ffff:127.0.0.1"), ("2852039166", "169.254.169.254")],
)
def test_other_spellings_of_an_address_are_read_as_that_address(spelling: str, address: str) -> None:
    assert literal_address(spelling) == ipaddress.ip_address(address)
    assert refusal(literal_address(spelling)) is not None


@pytest.mark.parametrize("host", ["10.0.0.1", "169.254.169.254", "192.168.0.1", "::ffff:10.0.0.1", "0xa.0.0.1", "2852039166", "100.100.100.200"])
def test_refusal_happens_on_the_address_before_any_connection(host: str) -> None:
    # resolve() is the only path to a connection: it refuses these from the address alone, with no lookup.
    with pytest.raises(AddressRefused):
        asyncio.run(AddressPolicy().resolve(host, 80, 1.0))
    with pytest.raises(AddressRefused):
        AddressPolicy().check_url_host(host)


def test_names_for_this_machine_are_refused_before_lookup() -> None:
    for name in ("localhost", "LOCALHOST.", "shop.localhost", "ip6-localhost"):
        with pytest.raises(AddressRefused):
            AddressPolicy().check_url_host(name)


def test_a_name_is_checked_on_what_it_resolves_to() -> None:
    # "localhost" resolves (through /etc/hosts) to loopback: refused on the resolved address too.
    with pytest.raises(AddressRefused) as err:
        asyncio.run(AddressPolicy().resolve("localhost", 80, 2.0))
    assert "loopback" in str(err.value)


def test_allow_private_and_the_named_host() -> None:
    assert asyncio.run(AddressPolicy(allow_private=True).resolve("127.0.0.5", 80, 1.0)) == ["127.0.0.5"]
    named = AddressPolicy(named_host="127.0.0.5")
    assert asyncio.run(named.resolve("127.0.0.5", 80, 1.0)) == ["127.0.0.5"]
    assert named.allowed_private == {"127.0.0.5": "127.0.0.5"}
    with pytest.raises(AddressRefused):
        asyncio.run(named.resolve("127.0.0.6", 80, 1.0))


# ------------------------------------------------------------------ end to end, on loopback


@pytest.fixture
def victims(serve):
    """Two servers a rogue page must not reach: 127.0.0.1 (what localhost is) and 127.0.0.3."""
    secret = page(html_doc("Internal", "<p>internal admin panel</p>"))
    return serve(routes={"/": secret, "/admin": secret}), serve(routes={"/": secret, "/admin": secret}, host="127.0.0.3")


def _locations(victims) -> list[str]:
    one, three = victims
    return [
        f"http://127.0.0.3:{three.port}/admin",
        f"http://localhost:{one.port}/admin",
        f"http://LocalHost.:{one.port}/admin",
        f"http://2130706435:{three.port}/admin",  # 127.0.0.3 as one decimal number
        f"http://0177.0.0.3:{three.port}/admin",  # octal
        f"http://0x7f.0.0.3:{three.port}/admin",  # hex
        f"http://[::ffff:127.0.0.3]:{three.port}/admin",
        f"http://[::ffff:7f00:1]:{one.port}/admin",
        f"http://[::1]:{one.port}/admin",
    ]


def test_redirects_to_other_local_addresses_are_refused_and_said(serve, victims, ca_bundle) -> None:
    for location in _locations(victims):
        start = serve(routes={"/": redirect(location)}, host="127.0.0.2")
        report = check_sync(start.url, FetchConfig(ca_file=str(ca_bundle), probe_http=False))
        assert report["verdict"]["code"] == "could-not-check", location
        if "//0" in location:  # httpx itself will not parse octal and hex spellings: never followed either
            assert report["error"]["kind"] in ("refused-address", "invalid-redirect"), (location, report["error"])
        else:
            assert report["error"]["kind"] == "refused-address", (location, report["error"])
            assert "public addresses" in report["error"]["message"]
        assert start.requests, "the named host itself was read"
    for victim in victims:
        assert victim.requests == [], "a refused address was contacted"


def test_the_named_local_host_is_allowed_with_a_note(serve, ca_bundle) -> None:
    shop = serve(routes={"/": page(SHOP)}, host="127.0.0.2", tls="valid")
    report = check_sync(shop.url, FetchConfig(ca_file=str(ca_bundle), probe_http=False))
    assert report["verdict"]["code"] != "could-not-check"
    assert any("127.0.0.2" in n and "allowed because you named it" in n for n in report["notes"])


def test_allow_private_follows_local_redirects(serve, victims, ca_bundle) -> None:
    _, three = victims
    start = serve(routes={"/": redirect(f"http://127.0.0.3:{three.port}/admin")}, host="127.0.0.2")
    report = check_sync(start.url, FetchConfig(ca_file=str(ca_bundle), probe_http=False, allow_private=True))
    assert report["error"] is None and three.requests


def test_crawled_pages_on_other_local_addresses_are_refused(serve, victims, ca_bundle) -> None:
    _, three = victims
    # Same registered "site" as far as the crawl can tell (an IP host), but a different address: the link
    # is one the page wrote; its target must not be fetched.
    body = html_doc("Shop", f'<p>Pharmacy</p><a href="/contact">Contact us</a><a href="http://127.0.0.3:{three.port}/about">About us</a>')
    start = serve(routes={"/": page(body), "/contact": redirect(f"http://127.0.0.3:{three.port}/contact")}, host="127.0.0.2")
    report = check_sync(start.url, FetchConfig(ca_file=str(ca_bundle), probe_http=False))
    assert three.requests == []
    refused = [p for p in report["pages"] if p.get("error") and "public addresses" in p["error"]]
    assert refused or report["error"] is None  # either refused as a page, or never chosen


def _audit(list_file: Path, *extra: str, env_extra: dict[str, str] | None = None) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(env_extra or {})
    proc = subprocess.run(
        [sys.executable, "-m", "pharmcheck", "audit", str(list_file), "-q", "--workers", "0", "--ignore-robots", *extra],
        capture_output=True, text=True, timeout=120, cwd=REPO, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return sorted((json.loads(line) for line in proc.stdout.splitlines() if line.strip()), key=lambda r: r["audit"]["line"])


def test_audit_lists_cannot_name_local_hosts_unless_allowed(serve, tmp_path) -> None:
    shop = serve(routes={"/": page(SHOP)}, host="127.0.0.2")
    listing = tmp_path / "sites.txt"
    listing.write_text(f"{shop.http_url}\nhttp://localhost:{shop.port}/\nhttp://169.254.169.254/latest/meta-data/\n")
    records = _audit(listing)
    assert [r["error"]["kind"] for r in records] == ["refused-address"] * 3
    assert shop.requests == []
    proc = subprocess.run([sys.executable, "-m", "pharmcheck", "audit", str(listing), "--workers", "0", "-o", str(tmp_path / "o.jsonl")],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert "--allow-private checks them" in proc.stderr  # the summary says how to check them
    records = _audit(listing, "--allow-private", "--timeout", "5")
    assert records[0]["error"] is None and shop.requests


# ------------------------------------------------------------------ proxies and the environment's certificates


def test_https_proxy_from_the_environment_is_used(serve, ca_bundle, monkeypatch) -> None:
    shop = serve(routes={"/": page(SHOP)}, host="127.0.0.2", tls="valid")
    with LoopbackProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        report = check_sync(shop.url, FetchConfig(ca_file=str(ca_bundle), probe_http=False))
        assert report["error"] is None and report["connection"]["tls"]["valid"] is True
        assert f"CONNECT 127.0.0.2:{shop.port} HTTP/1.1" in proxy.lines
        # --no-env: the same run goes direct
        seen = len(proxy.lines)
        report = check_sync(shop.url, FetchConfig(ca_file=str(ca_bundle), probe_http=False, trust_env=False))
        assert report["error"] is None and len(proxy.lines) == seen
        # NO_PROXY names the host: direct
        monkeypatch.setenv("NO_PROXY", "127.0.0.2")
        report = check_sync(shop.url, FetchConfig(ca_file=str(ca_bundle), probe_http=False))
        assert report["error"] is None and len(proxy.lines) == seen
        # NO_PROXY names its range in CIDR notation, as curl (7.86 on) reads it: direct (httpx alone ignored it)
        for ranges in ("127.0.0.0/8", "example.org, 127.0.0.0/30", "[::1]/128,127.0.0.2/32"):
            monkeypatch.setenv("NO_PROXY", ranges)
            report = check_sync(shop.url, FetchConfig(ca_file=str(ca_bundle), probe_http=False))
            assert report["error"] is None and len(proxy.lines) == seen, ranges
        monkeypatch.setenv("NO_PROXY", "10.0.0.0/8, 127.0.0.4/30")  # a range without the host: through the proxy
        report = check_sync(shop.url, FetchConfig(ca_file=str(ca_bundle), probe_http=False))
        assert report["error"] is None and len(proxy.lines) > seen


def test_http_proxy_and_explicit_proxy(serve, monkeypatch) -> None:
    shop = serve(routes={"/": page(SHOP)}, host="127.0.0.2")
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with LoopbackProxy() as proxy:
        report = check_sync(shop.http_url, FetchConfig(probe_http=False, proxy=proxy.url))
        assert report["error"] is None
        assert proxy.lines[0].startswith(f"GET http://127.0.0.2:{shop.port}/ ")


def test_through_a_proxy_redirects_to_local_addresses_are_still_refused(serve, victims, ca_bundle) -> None:
    _, three = victims
    start = serve(routes={"/": redirect(f"http://127.0.0.3:{three.port}/admin")}, host="127.0.0.2")
    with LoopbackProxy() as proxy:
        report = check_sync(start.http_url, FetchConfig(probe_http=False, proxy=proxy.url))
    assert report["error"]["kind"] == "refused-address"
    assert three.requests == [] and not any("127.0.0.3" in line for line in proxy.lines)


def test_a_javascript_redirect_is_the_sites_fault_not_the_users(serve) -> None:
    start = serve(routes={"/": redirect("javascript:alert(document.cookie)")}, host="127.0.0.2")
    proc = subprocess.run([sys.executable, "-m", "pharmcheck", "check", start.http_url, "--json"], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 6, proc.stderr  # could not check, not 7 (invalid input)
    assert json.loads(proc.stdout)["error"]["kind"] == "invalid-redirect"


def test_a_socks_proxy_is_a_clear_error(monkeypatch) -> None:
    report = check_sync("https://127.0.0.2:9/", FetchConfig(proxy="socks5://127.0.0.1:9"))
    assert report["error"]["kind"] == "invalid-input" and "proxy" in report["error"]["message"]


def test_ssl_cert_file_is_trusted_unless_no_env(serve, ca_bundle, monkeypatch) -> None:
    shop = serve(routes={"/": page(SHOP)}, tls="valid")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_bundle))
    report = check_sync(shop.url, FetchConfig(probe_http=False))
    assert report["connection"]["tls"]["valid"] is True
    report = check_sync(shop.url, FetchConfig(probe_http=False, trust_env=False))
    assert report["connection"]["tls"]["valid"] is False


def test_a_dead_proxy_is_named_as_the_proxy(serve, monkeypatch) -> None:
    from tests.servers import reserve_dead_port

    shop = serve(routes={"/": page(SHOP)}, host="127.0.0.2")
    sock, port = reserve_dead_port()
    try:
        report = check_sync(shop.http_url, FetchConfig(probe_http=False, proxy=f"http://user:secret@127.0.0.1:{port}"))
    finally:
        sock.close()
    assert report["error"]["kind"] == "proxy"
    assert f"the proxy http://127.0.0.1:{port}" in report["error"]["message"] and "secret" not in report["error"]["message"]
    assert shop.requests == []
