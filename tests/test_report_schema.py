"""The JSON contract keeps its promise: 1.x only adds fields, so a report with fields this version does not
know still validates, while a report that lacks a field or changes a type does not."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import pytest

from pharmcheck.engine import check_sync
from pharmcheck.report import SCHEMA_VERSION, json_schema

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def report() -> dict:
    return check_sync(str(REPO / "examples" / "cheap-meds-24"))


def _objects(node, path=()):
    """Every JSON object of a report, with its path, so that each one can be given an extra field."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key != "facts":  # facts are free-form by design
                yield from _objects(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _objects(value, path + (i,))


def test_the_schema_has_no_closed_object():
    text = (REPO / "pharmcheck" / "schema" / "report.schema.json").read_text(encoding="utf-8")
    assert '"additionalProperties": false' not in text


def test_a_later_minor_version_with_added_fields_still_validates(report):
    later = copy.deepcopy(report)
    major, minor = SCHEMA_VERSION.split(".")
    later["schema_version"] = f"{major}.{int(minor) + 7}"
    paths = [p for p, _ in _objects(later)]
    assert len(paths) > 30  # top level, tool, verdict, connection, tls, pages, rules, findings, evidence...
    for path in paths:
        node = later
        for key in path:
            node = node[key]
        node["added_in_a_later_version"] = {"any": ["shape", 1]}
    jsonschema.validate(later, json_schema())


@pytest.mark.parametrize(
    "damage",
    [
        lambda r: r.pop("verdict"),
        lambda r: r["verdict"].update(code="probably-fine"),
        lambda r: r["rules"][1]["findings"][0].pop("evidence"),
        lambda r: r["rules"][1]["findings"][0]["evidence"][0].update(quote=123),
        lambda r: r.update(schema_version="2.0"),
    ],
    ids=["missing verdict", "unknown verdict code", "finding without evidence", "quote not a string", "major version 2"],
)
def test_removed_or_changed_fields_still_fail(report, damage):
    broken = copy.deepcopy(report)
    damage(broken)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json_schema())
