"""The one CSV writer: every CSV the app serves is written here, with formula prefixes neutralised.

A spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage return as a formula
(`=HYPERLINK(...)`, `+cmd|...`, `@SUM(...)`), and names, titles and notes come from callers and staff.
Such text gets a leading apostrophe, which spreadsheets show as text; the contact import removes it
again, so an export still imports as it was. Numbers are written as numbers.
"""

import csv
import io
from collections.abc import Iterable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> object:
    """A value safe to write: None as empty, text starting like a formula behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_text(header: Iterable, rows: Iterable[Iterable]) -> str:
    """A header row and the rows as CSV text, every cell through cell()."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(value) for value in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()


def unquote(text: str) -> str:
    """Text as it was before cell() neutralised it (for reading our own exports back in)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text
