"""End to end: each fictional fixture site, served over real HTTP(S) on 127.0.0.1, gets the verdict a careful
human gave it when the site was written (tests/sites/<name>/site.json)."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from pharmcheck.engine import check_sync
from pharmcheck.fetch import FetchConfig
from pharmcheck.report import json_schema
from tests.servers import site_info, site_names

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", site_names())
def test_fixture_site_verdict(name, serve_site, ca_bundle):
    expected = site_info(name)["verdict"]
    server = serve_site(name)
    report = check_sync(server.url, FetchConfig(ca_file=str(ca_bundle)))
    jsonschema.validate(report, json_schema())
    got = report["verdict"]["code"]
    flags = [f["outcome"] for r in report["rules"] for f in r["findings"] if f["status"] in ("fail", "warn")]
    assert got == expected, f"{name}: expected {expected}, got {got} (score {report['verdict']['score']}; fail/warn: {flags})"
    for rule in report["rules"]:
        for finding in rule["findings"]:
            # every conclusion carries evidence; one about something absent lists the pages searched
            if finding["status"] in ("pass", "fail", "warn"):
                assert finding["evidence"] or finding["searched"], (name, finding["outcome"])


def test_there_are_enough_fixture_sites_of_each_kind():
    verdicts = [site_info(n)["verdict"] for n in site_names()]
    assert len(verdicts) >= 10
    for kind in ("likely-legitimate", "likely-rogue", "not-a-pharmacy", "caution"):
        assert kind in verdicts


@pytest.mark.parametrize(
    "folder, expected",
    [("sunrise-pharmacy", "likely-legitimate"), ("cheap-meds-24", "likely-rogue"), ("wellness-journal", "not-a-pharmacy")],
)
def test_bundled_examples_offline(folder, expected):
    report = check_sync(str(REPO / "examples" / folder))
    assert report["mode"] == "offline"
    assert report["verdict"]["code"] == expected
