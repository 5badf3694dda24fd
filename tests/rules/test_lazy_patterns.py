"""The rules' module-level patterns compile on first use (pharmcheck/lazyre.py), and work as compiled ones."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from pharmcheck.lazyre import LazyPattern, lazy_re


def test_a_lazy_pattern_answers_as_the_compiled_one():
    text = "Viagra 100 mg $0.79, Cialis 20 mg $1.10"
    for source, flags in ((r"\$(\d+)\.(\d+)", 0), (r"(?P<name>[a-z]+)\s+\d+\s+MG", re.I)):
        lazy, compiled = lazy_re(source, flags), re.compile(source, flags)
        assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in compiled.finditer(text)]
        assert lazy.search(text).group(0) == compiled.search(text).group(0)
        assert lazy.findall(text) == compiled.findall(text)
        assert lazy.sub("X", text) == compiled.sub("X", text) and lazy.split(text) == compiled.split(text)
        assert (lazy.pattern, lazy.flags, lazy.groupindex) == (compiled.pattern, compiled.flags, compiled.groupindex)
        assert lazy.rx.pattern == source


def test_importing_the_rules_compiles_none_of_their_lazy_patterns():
    code = ("import pharmcheck.rules as R, pharmcheck.facts, sys\n"
            "from pharmcheck.lazyre import LazyPattern\n"
            "R.load_rules()\n"
            "mods = [m for n, m in list(sys.modules.items()) if n.startswith(('pharmcheck.rules', 'pharmcheck.facts'))]\n"
            "lazy = [v for m in mods for v in vars(m).values() if isinstance(v, LazyPattern)]\n"
            "def compiled(v):\n"
            "    try:\n        LazyPattern.rx.__get__(v)\n        return True\n"
            "    except AttributeError:\n        return False\n"
            "print(len(lazy), sum(map(compiled, lazy)))\n")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    total, done = map(int, out.stdout.split())
    assert total > 80 and done == 0, out.stdout
    assert isinstance(lazy_re("x"), LazyPattern)
