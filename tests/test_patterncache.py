"""The compiled-pattern cache of `pharmcheck check` (pharmcheck/patterncache.py): a pattern from the cache is
the pattern Python compiles; a damaged, doctored or unwritable cache changes nothing but speed; the cache
holds only pharmcheck's own patterns, and they are the same whatever the hash seed (so it stops growing)."""

from __future__ import annotations

import json
import marshal
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pharmcheck import patterncache

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "cheap-meds-24"
SAMPLES = [
    (r"(?<!\w)(?=[bv])(?:viagra|buy\s+now)(?!\w)", re.I, ["Buy  now VIAGRA", "xviagra", "viagra-x"]),
    (r"(?P<qty>\d{1,4})\s*(?:pills?|tabs?)\b(?P<rest>.*)", 0, ["30 pills for $9", "pills 30"]),
    (r"^\s*(?:Straße|rue|via)\s+\S+$", re.M | re.I, ["rue Lepic\nVIA roma 2\n", "street x"]),
    (r"(a|b)*?c(?(1)d|e)", 0, ["ababcd", "ce", "abce"]),
    (r"[\u0600-\u06ff]+|\N{EURO SIGN}\s?\d+", 0, ["ریال 12", "€ 30"]),
]

pytestmark = pytest.mark.skipif(sys.version_info[:2] not in patterncache.SUPPORTED, reason="cache not used on this Python")


def _run(cache: Path, *args: str, seed: str = "0", **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PHARMCHECK_CACHE_DIR": str(cache), "PYTHONHASHSEED": seed, **env}
    environment.pop("PHARMCHECK_NO_CACHE", None)
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "pharmcheck", *args], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=120)


def _table(cache: Path) -> dict:
    files = list(cache.glob("patterns-*.marshal"))
    assert len(files) == 1, files
    return marshal.loads(files[0].read_bytes())


def test_a_pattern_from_the_cache_is_the_pattern_python_compiles(tmp_path, monkeypatch):
    monkeypatch.setenv("PHARMCHECK_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(patterncache, "_ours", lambda: True)  # this file is not pharmcheck's: count it as such
    expected = {(p, f): re.compile(p, f) for p, f, _ in SAMPLES}
    for _round in range(2):  # the first compiles and writes the cache, the second reads it
        re.purge()
        assert patterncache.install()
        try:
            for pattern, flags, texts in SAMPLES:
                got, want = re.compile(pattern, flags), expected[(pattern, flags)]
                assert (got.pattern, got.flags, got.groups, got.groupindex) == (want.pattern, want.flags, want.groups, want.groupindex)
                for text in texts:
                    assert [m.groups() + m.span() for m in got.finditer(text)] == [m.groups() + m.span() for m in want.finditer(text)]
            hits = len(patterncache._state["table"])
            patterncache.save()
        finally:
            patterncache.uninstall()
            re.purge()
    assert hits == len(SAMPLES), "the second round read every pattern from the file the first wrote"


def test_check_keeps_only_its_own_patterns_and_they_do_not_depend_on_the_hash_seed(tmp_path):
    first = _run(tmp_path, "check", str(EXAMPLE), "--json", seed="1")
    assert first.returncode == 4, first.stderr
    table = _table(tmp_path)
    assert len(table) > 100  # the rules' patterns
    assert not any("tolarjev" in p for p, _f in table), "price-parser's currency list (built from a set) is not ours"
    written = next(tmp_path.glob("patterns-*.marshal")).read_bytes()
    for seed in ("2", "3"):
        again = _run(tmp_path, "check", str(EXAMPLE), "--json", seed=seed)
        assert again.returncode == first.returncode
        assert next(tmp_path.glob("patterns-*.marshal")).read_bytes() == written, f"seed {seed} compiled a pattern anew"
        a, b = json.loads(first.stdout), json.loads(again.stdout)
        assert a["verdict"] == b["verdict"] and a["rules"] == b["rules"]


def test_a_damaged_or_doctored_cache_changes_nothing_but_speed(tmp_path):
    plain = _run(tmp_path / "none", "check", str(EXAMPLE), "--json", PHARMCHECK_NO_CACHE="1")
    assert not (tmp_path / "none").exists(), "PHARMCHECK_NO_CACHE=1 writes nothing"
    cache = tmp_path / "cache"
    assert _run(cache, "check", str(EXAMPLE), "--json").returncode == 4
    path = next(cache.glob("patterns-*.marshal"))
    table = marshal.loads(path.read_bytes())
    doctored = {key: (flags, [99999] * len(code), groups, index, names) for key, (flags, code, groups, index, names) in table.items()}
    path.write_bytes(marshal.dumps(doctored))  # code the regex engine must refuse
    again = _run(cache, "check", str(EXAMPLE), "--json")
    assert again.returncode == plain.returncode == 4 and "Traceback" not in again.stderr
    assert json.loads(again.stdout)["verdict"] == json.loads(plain.stdout)["verdict"]
    assert marshal.loads(path.read_bytes()) == table, "each refused entry was compiled anew and written back"
    path.write_bytes(b"\x00garbage" * 1000)
    assert _run(cache, "check", str(EXAMPLE)).returncode == 4
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    run = _run(not_a_folder, "check", str(EXAMPLE))
    assert run.returncode == 4 and run.stderr == ""
