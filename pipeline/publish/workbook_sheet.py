"""The 汇总 workbook written with XlsxWriter in its constant-memory mode: rows stream to the
file as they are written, so a province's season (hundreds of thousands of indicator rows) is
written in seconds, never held as cell objects. Each sheet: the header row styled, each
column's width fitted to its text (a CJK character counts two), a long text wrapping in its
column with its row tall enough to show it, number formats, an analyst's corrected cells filled
with a comment, the header frozen and filtered, and printed A4 landscape one page wide with
the header on every page.

A sheet's widths are worked out from its rows before the first is written; each cell format
(number format, wrap, corrected) is made once per workbook and shared by every cell using it.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import xlsxwriter

AMOUNT = "#,##0.00"
SCORE = "0.00"
PERCENT = "0.00%"
INTEGER = "0"
DATETIME = "yyyy-mm-dd hh:mm:ss"

HEADER = {"bold": True, "bg_color": "#DDEBF7", "pattern": 1, "valign": "vcenter"}
CORRECTED = {"bg_color": "#FCE4D6", "pattern": 1}
WRAP = {"text_wrap": True, "valign": "top"}
MAX_WIDTH = 60
MIN_WIDTH = 8
LINE_HEIGHT = 15.0  # points: one line of 11-point text
A4 = 9  # the paper size code of A4
COMMENT = {"author": "selfeval", "width": 320, "height": 120}


@dataclass(frozen=True)
class SheetColumn:
    header: str
    fmt: str | None = None  # number format


class Book:
    """A workbook being written to `path`: its sheets in order, its formats shared."""

    def __init__(self, path: Path, creator: str) -> None:
        self._book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,  # a text beginning with `=` stays text
                "strings_to_urls": False,
            },
        )
        self._book.set_properties({"author": creator})  # known as ours if found under IN
        self._formats: dict[tuple, Any] = {}
        self.header = self._book.add_format(HEADER)

    def cell_format(self, fmt: str | None, wrap: bool, corrected: bool) -> Any:
        """The shared format of a cell: its number format, wrapped, filled as corrected."""
        key = (fmt, wrap, corrected)
        if key not in self._formats:
            spec = {**(WRAP if wrap else {}), **(CORRECTED if corrected else {})}
            if fmt:
                spec["num_format"] = fmt
            self._formats[key] = self._book.add_format(spec) if spec else None
        return self._formats[key]

    def write_sheet(
        self,
        title: str,
        columns: Sequence[SheetColumn],
        rows: Sequence[list[Any]],
        marks: Sequence[dict[int, str]] = (),
    ) -> None:
        """A sheet of `rows` (cell values, in `columns` order); `marks[i]` gives row i's
        corrected cells (column index → the note of its comment)."""
        ws = self._book.add_worksheet(title)
        fitted = column_widths(columns, rows)
        widths = [min(MAX_WIDTH, max(MIN_WIDTH, w)) for w in fitted]
        wraps = [w > MAX_WIDTH for w in fitted]  # a long text (偏差原因, 说明) wraps in its column
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(0, len(rows)), len(columns) - 1)
        print_setup(ws)
        ws.set_row(0, None, self.header)
        for i, column in enumerate(columns):
            ws.write_string(0, i, column.header, self.header)
        formats = [self.cell_format(c.fmt, w, False) for c, w in zip(columns, wraps, strict=True)]
        for number, values in enumerate(rows, start=1):
            marked = marks[number - 1] if marks else {}
            lines = max(
                (
                    wrapped_lines(str(v), widths[i])
                    for i, v in enumerate(values)
                    if wraps[i] and v is not None
                ),
                default=1,
            )
            if lines > 1:
                ws.set_row(number, LINE_HEIGHT * lines)
            for i, value in enumerate(values):
                fmt = formats[i]
                if i in marked:
                    fmt = self.cell_format(columns[i].fmt, wraps[i], True)
                    ws.write_comment(number, i, marked[i], COMMENT)
                write_value(ws, number, i, value, fmt)

    def close(self) -> None:
        self._book.close()


def write_value(ws: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    """One cell as what it is: a text as text (never a formula), a number, a date."""
    if value is None:
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmt)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value, fmt)
    elif isinstance(value, numbers.Number) and not isinstance(value, bool):
        ws.write_number(row, col, float(value), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def column_widths(columns: Sequence[SheetColumn], rows: Sequence[list[Any]]) -> list[float]:
    """Each column's display width: its widest value or header, plus 2."""
    widths = []
    for i, column in enumerate(columns):
        widest = text_width(column.header)
        for values in rows:
            value = values[i]
            if value is None or (isinstance(value, str) and 2 * len(value) <= widest):
                continue  # nothing, or cannot be wider than what is already found
            widest = max(widest, value_width(value, column.fmt))
        widths.append(widest + 2.0)
    return widths


def value_width(value: Any, fmt: str | None) -> int:
    """Display width of a cell's value as the sheet shows it: its widest line."""
    if isinstance(value, float) and fmt in (AMOUNT, SCORE, PERCENT):
        text = f"{value:,.2f}" if fmt == AMOUNT else f"{value:.2f}%"
    elif isinstance(value, datetime):
        text = "2026-01-01 00:00:00"
    else:
        text = str(value)
    return max((text_width(line) for line in text.splitlines()), default=0)


@lru_cache(maxsize=65536)
def text_width(line: str) -> int:
    """Display width of one line: a CJK character counts two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in line)


def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes in a column `width` characters wide."""
    room = max(1, int(width) - 1)
    return sum(max(1, -(-text_width(line) // room)) for line in text.splitlines() or [""])


def print_setup(ws: Any) -> None:
    """A4 landscape, one page wide (as many pages down as it takes), the header row on every
    page, gridlines printed."""
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.hide_gridlines(0)
