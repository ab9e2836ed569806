"""The three-way merge of `blueprints update`: whole texts, their conflict markers, their
line endings and the diff a dry run shows."""

from __future__ import annotations

import difflib
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
    base_lines, our_lines, their_lines = (
        _terminated(t).splitlines(keepends=True) for t in (base, ours, theirs)
    )
    m = merge3.Merge3(base_lines, our_lines, their_lines)
    text = "".join(m.merge_lines(name_a=YOURS, name_b=THEIRS, name_base=BASE))
    conflicted = any(region[0] == "conflict" for region in m.merge_regions())
    if ours and not ours.endswith("\n") and not conflicted:
        text = text.removesuffix("\n")  # the team's file ends without one: so does the merge
    return text, conflicted


def _terminated(text: str) -> str:
    """`text` with a newline at its end: merge3 would glue a last line without one to the
    next marker (`last line=======`), and see `x` and `x\\n` as different lines."""
    return text if not text or text.endswith("\n") else text + "\n"


def _diff_lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def unified_diff(path: str, old: str | None, new: str) -> str:
    """A unified diff, as git shows it, of `path` from `old` (None: no file) to `new`."""
    before = "/dev/null" if old is None else f"a/{path}"
    return "".join(
        difflib.unified_diff(
            _diff_lines(old or ""), _diff_lines(new), fromfile=before, tofile=f"b/{path}"
        )
    )
