"""A list's lines are bounded: a huge line, a list with no newline, a NUL anywhere each give one error
record for their line, in flat memory. No network: the entries are read, not checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pharmcheck.audit import iter_entries
from pharmcheck.audit.inputs import MAX_LINE

REPO = Path(__file__).resolve().parent.parent


def _write(path: Path) -> Path:
    with open(path, "wb") as f:
        f.write(b"# a list\n" + b"shop-%d.example\n" * 0)
        f.write(b"".join(b"shop-%d.example\n" % i for i in range(1, 801)))  # more than 8 KB before the NUL
        f.write(b"a" * 5_000_000 + b"\n")  # line 802
        f.write(b"x.example\x00y\n")  # line 803
        f.write(b"ok.example\n")  # line 804
        f.write(b"b" * 3_000_000)  # line 805, no newline
    return path


def test_each_bad_line_is_one_record_with_its_reason(tmp_path: Path) -> None:
    with open(_write(tmp_path / "list.txt"), "rb") as fh:
        entries = list(iter_entries(fh))
    assert [e.line for e in entries] == list(range(2, 806))
    by_line = {e.line: e for e in entries}
    assert by_line[802].problem == f"the line is longer than {MAX_LINE} characters"
    assert "NUL" in by_line[803].problem
    assert by_line[804].text == "ok.example" and by_line[804].problem is None
    assert by_line[805].problem.startswith("the line is longer")


def test_the_same_in_a_csv_list(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(b"url,name\nshop.example,a\n" + b"c" * 100_000 + b",b\nok.example,c\n")
    with open(path, "rb") as fh:
        entries = list(iter_entries(fh))
    assert [(e.line, e.problem is None) for e in entries] == [(2, True), (3, False), (4, True)]


def test_memory_stays_flat_on_a_huge_line(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as f:
        f.write(b"shop.example\n")
        for _ in range(50):
            f.write(b"z" * 1_000_000)  # one 50 MB line with no newline
    code = (
        "import re\n"
        "from pharmcheck.audit import iter_entries\n"
        f"n = sum(1 for _ in iter_entries(open({str(path)!r}, 'rb')))\n"
        # VmHWM: this process image's own peak (ru_maxrss would carry the peak of the process that forked it)
        "print(n, int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO, check=True).stdout.split()
    assert out[0] == "2"
    assert int(out[1]) < 120, f"peak {out[1]} MB"  # the interpreter and pharmcheck's imports: about 40 MB
