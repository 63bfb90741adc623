"""Making free text safe to open in a spreadsheet (no formula injection).

A cell that starts with = + - @ (or a tab or carriage return before one) is run as a formula
by spreadsheet programs: a placement name or a person's name could then fetch data or run
commands on an auditor's computer. Free-text cells go through ``spreadsheet_safe``.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value
