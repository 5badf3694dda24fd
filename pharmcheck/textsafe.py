"""What of a page (or of a list, a header, a URL) may reach a person: no control characters.

Pages are written by the people judged. A C0 or C1 control character, an escape sequence or a
bidirectional override in a quote could clear the terminal, move the cursor, recolour or reorder what
follows, and print a fake verdict. These patterns drop them; the one-line form also folds line breaks,
for messages that must stay on one line.
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # marks, embeddings, overrides, isolates
# Page text: every C0 control but tab, line feed and carriage return (the reader folds those), DEL, C1.
CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")
# What the terminal report prints: tab and line feed only (its own layout), nothing else of C0.
TERMINAL_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")


def one_line(text: str) -> str:
    """``text`` with no control character and its white space folded: safe for a one-line message."""
    return " ".join(CONTROL.sub("", text).split())
