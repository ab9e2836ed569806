"""The three-way merge of `blueprints update`: whole texts, their conflict markers and their
line endings."""

from __future__ import annotations

import re

import merge3

YOURS = "yours"
THEIRS = "blueprints update"
BASE = "last generated"
_MARKER = re.compile(rb"^(<{7}|>{7})( |\r?$)", re.MULTILINE)
"""A line opening or closing a conflict (ours, git's): `<<<<<<< ...` or `>>>>>>> ...`. The
`=======` between them is left out: it is also a Markdown heading underline."""


def has_conflict_markers(data: bytes) -> bool:
    return _MARKER.search(data) is not None


def newline_of(text: str) -> str:
    """The line ending most of the text's lines use: `\\r\\n` or `\\n`."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and 2 * crlf >= text.count("\n") else "\n"


def to_lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def with_newline(text: str, newline: str) -> str:
    """`text` (LF line endings) with `newline` line endings."""
    return text if newline == "\n" else text.replace("\n", newline)


def merge_text(base: str, ours: str, theirs: str) -> tuple[str, bool]:
    """Three-way merge of whole files (LF line endings); (text, conflicted)."""
    if ours == theirs or theirs == base:
        return ours, False
    if ours == base:
        return theirs, False
    m = merge3.Merge3(
        base.splitlines(keepends=True),
        ours.splitlines(keepends=True),
        theirs.splitlines(keepends=True),
    )
    text = "".join(m.merge_lines(name_a=YOURS, name_b=THEIRS, name_base=BASE))
    conflicted = any(region[0] == "conflict" for region in m.merge_regions())
    return text, conflicted
