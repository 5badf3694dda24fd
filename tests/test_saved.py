"""The offline reader never follows a symbolic link out of a saved folder and bounds its walk."""

from __future__ import annotations

import time
from pathlib import Path

from pharmcheck.engine import check_sync
from pharmcheck.saved import walk_pages


def _folder(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><body><h1>Pharmacy</h1><p>Buy Viagra 100 mg $19.99</p></body></html>")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.html").write_text("<html><body>SECRET-TOKEN-1234</body></html>")
    (site / "about.html").symlink_to(outside / "secret.html")
    (site / "more").symlink_to(outside, target_is_directory=True)
    return site


def test_symbolic_links_are_not_followed_and_are_said(tmp_path: Path) -> None:
    report = check_sync(str(_folder(tmp_path)))
    assert "SECRET-TOKEN" not in repr(report)
    assert [p["url"].rsplit("/", 1)[-1] for p in report["pages"]] == ["index.html"]
    assert any("2 symbolic link(s)" in n for n in report["notes"])


def test_the_walk_is_bounded(tmp_path: Path) -> None:
    for i in range(300):
        (tmp_path / f"p{i}.html").write_text("<p>x</p>")
    pages, notes = walk_pages(tmp_path, max_entries=100)
    assert len(pages) == 100 and any("more than 100 entries" in n for n in notes)


def test_a_huge_tree_is_not_walked_whole(tmp_path: Path) -> None:
    deep = tmp_path
    for i in range(40):  # deeper than the walk goes
        deep = deep / f"d{i}"
    deep.mkdir(parents=True)
    (deep / "index.html").write_text("<p>too deep</p>")
    started = time.monotonic()
    pages, _ = walk_pages(tmp_path)
    assert pages == [] and time.monotonic() - started < 5


def test_a_saved_page_without_html_or_body_tags_is_read(tmp_path: Path) -> None:
    page = tmp_path / "shop.html"
    page.write_text("<h1>Shop</h1><p>Buy Viagra 100 mg x 10 pills $9.99, no prescription needed</p>")
    report = check_sync(str(page))
    assert report["error"] is None and report["verdict"]["code"] == "likely-rogue"


def test_a_served_body_without_content_type_is_sniffed_as_the_standard_says() -> None:
    from pharmcheck.site import RawPage

    for body in (b"<h1>Shop</h1>", b"  <P>text", b"<div>x</div>", b"<table><tr>", b"<!-- c --><b>x"):
        assert RawPage(url="https://x.example/", headers={}, body=body).is_html, body
    for body in (b"%PDF-1.7", b"{\"a\": 1}", b"<pre>x", b"<hr>", b"GIF89a"):
        assert not RawPage(url="https://x.example/", headers={}, body=body).is_html, body


def test_several_sites_are_found_by_the_same_bounded_walk(tmp_path: Path) -> None:
    from pharmcheck.saved import several_sites

    root = tmp_path / "sites"
    for name in ("a", "b"):
        (root / name / "deep").mkdir(parents=True)
        (root / name / "deep" / "index.html").write_text("<html><body><h1>Shop</h1></body></html>")
    (root / "c").symlink_to(tmp_path / "elsewhere", target_is_directory=True)  # a link: not a site of the folder
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "index.html").write_text("<html><body>x</body></html>")
    (root / "empty").mkdir()
    assert several_sites(str(root)) == ["a", "b"]
    assert several_sites(str(root / "a")) is None  # one site
    assert several_sites(str(root), max_entries=5) is None  # past the budget, the second site is not looked for
    (root / "index.html").write_text("<html><body>home</body></html>")
    assert several_sites(str(root)) is None  # pages of its own: one site
