"""The formula rule, checked on any CSV the product writes (pages and CLI alike)."""

from __future__ import annotations

import csv
import io

# What an attacker puts at the start of a title, a note or a name: each starts a formula in a spreadsheet.
HOSTILE = ["=HYPERLINK(\"http://evil.example\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\tTAB cell", "\rCR cell"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _numeric(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def assert_formula_safe(data: bytes, must_contain: list[str] | None = None) -> list[dict]:
    """Every cell that starts like a formula is a plain number; each of ``must_contain`` appears
    neutralised (prefixed with a single quote).  Returns the rows."""
    text = data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows, "empty CSV"
    for row in rows:
        for cell in row:
            if cell.startswith(DANGEROUS):
                assert _numeric(cell), f"live formula in CSV: {cell!r}"
    cells = {cell for row in rows for cell in row}
    for value in must_contain or []:
        assert "'" + value in cells, f"{value!r} missing or not neutralised"
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:]]
