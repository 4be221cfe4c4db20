"""`python -m pipeline export OUT --xlsx FILE`: the tables as one workbook for people who work in
Excel or WPS, its sheets as `pipeline/publish/sheets.py` declares them (with a roster, 未报送单位
and 名单外单位 too), each query run on an in-memory DuckDB over the Parquet files and its rows
streamed to the file (`pipeline/publish/workbook_sheet.py`). A figure an analyst's correction
changed is filled orange with a comment saying what the file says, who corrected it, when and why.

Every value is written as what it is, never as something Excel would run: a text beginning with
`=` (a submitted `=HYPERLINK(…)`, a file named `=cmd|…`) is a text cell, not a formula, and the
control characters a damaged file can carry (which a workbook cannot hold) are removed.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from xlsxwriter.exceptions import FileCreateError

from extractors.own_output import GENERATOR
from pipeline.checks.catalogue import RULES
from pipeline.definitions import load_catalog
from pipeline.names import BEIJING
from pipeline.publish.roster import check_roster
from pipeline.publish.sheets import Column, Sheet, sheets
from pipeline.publish.store import TABLES, OutputError, table_path, unwritable
from pipeline.publish.views import (
    correction_notes,
    figure_notes,
    indicator_notes,
    memory_connection,
    units_sent,
)
from pipeline.publish.workbook_sheet import Book, SheetColumn


def _marks(sheet: Sheet, row: dict[str, Any], notes: dict[tuple, str]) -> dict[str, str]:
    """The row's cells an analyst's correction changed: the column's field → the note."""
    if sheet.marks == "figures":
        return figure_notes(row, notes)
    if sheet.marks == "indicators":
        return indicator_notes(row, notes)
    return {}


def _cell_value(column: Column, value: Any, row: dict[str, Any]) -> Any:
    if value is None:
        return None
    if column.money and isinstance(value, int | float):
        factor = load_catalog().vocabulary.scales.in_wanyuan(row.get("amount_unit") or "万元")
        return value * (factor if factor is not None else 1.0)
    if column.names is not None and column.many:
        return "、".join(column.names.get(code, code) for code in str(value).split(","))
    if column.names is not None:
        value = column.names.get(value, value)
    if column.words is not None:
        value = column.words(value)
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, datetime):
        return value.astimezone(BEIJING).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # a workbook holds no NaN or infinity: said as text
    if column.divisor != 1.0 and isinstance(value, int | float):
        return value / column.divisor
    return value


MAX_CELL_CHARS = 32_767  # what one Excel cell holds


def plain_text(text: str) -> str:
    """The text without the control characters a workbook cannot hold (tab and line breaks
    stay), cut to what a cell holds."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


def _sheet_rows(sheet_columns: Sequence[Column], rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
    """Each row's cell values, as the sheet shows them, in its columns' order."""
    return [[_cell_value(c, row.get(c.field), row) for c in sheet_columns] for row in rows]


BATCH_ROWS = 10_000


def _sheet_values(
    sheet: Sheet, cursor: Any, notes: dict[tuple, str]
) -> tuple[list[list[Any]], list[dict[str, str]]]:
    """The sheet's cell values row by row, and each row's corrected cells (none when no
    correction was applied), read from the query in batches: only the values are kept."""
    names = [d[0] for d in cursor.description]
    values, marks = [], []
    marked = bool(sheet.marks and notes)
    while batch := cursor.fetchmany(BATCH_ROWS):
        for r in batch:
            row = dict(zip(names, r, strict=True))
            values.append([_cell_value(c, row.get(c.field), row) for c in sheet.columns])
            if marked:
                marks.append(_marks(sheet, row, notes))
    return values, marks


def _write(
    workbook: Book,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[dict[str, Any]],
    marks: Sequence[dict[str, str]] = (),
) -> None:
    """A sheet of `rows` under `columns`; `marks` names each row's corrected cells by field."""
    at = {column.field: i for i, column in enumerate(columns)}
    workbook.write_sheet(
        title,
        [SheetColumn(c.header, c.fmt) for c in columns],
        _sheet_rows(columns, rows),
        [{at[f]: note for f, note in m.items() if f in at} for m in marks],
    )


def _write_roster_sheets(workbook: Book, roster: tuple[str, ...], con: Any) -> None:
    """未报送单位 (on the roster, no form) and 名单外单位 (forms, not on the roster)."""
    check = check_roster(roster, units_sent(con))
    _write(
        workbook,
        "未报送单位",
        (Column("单位名称", "unit"),),
        [{"unit": name} for name in check.missing],
    )
    _write(
        workbook,
        "名单外单位",
        (Column("单位名称", "unit"), Column("文件", "files")),
        [{"unit": unit, "files": "、".join(files)} for unit, files in check.outside],
    )


def export_xlsx(out_dir: Path, path: Path, roster: tuple[str, ...] | None = None) -> Path:
    """Write the workbook of the tables under `out_dir` to `path` (aside, then swapped in);
    with a `roster`, the sheets 未报送单位 and 名单外单位 too."""
    out_dir = Path(out_dir)
    missing = [n for n in TABLES if not table_path(out_dir, n).exists()]
    if missing:
        raise FileNotFoundError(
            f"{out_dir} 中没有 {'、'.join(f'{n}.parquet' for n in missing)}：请先运行 ingest"
        )
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    workbook = Book(tmp, GENERATOR)  # rows stream to the file (a province's season)
    con = memory_connection(out_dir)
    try:
        notes = correction_notes(con)
        found = {rule for (rule,) in con.execute("SELECT DISTINCT rule FROM findings").fetchall()}
        for sheet in sheets(out_dir, [rule for rule in RULES if rule in found]):
            values, marks = _sheet_values(sheet, con.execute(sheet.sql), notes)
            at = {column.field: i for i, column in enumerate(sheet.columns)}
            workbook.write_sheet(
                sheet.title,
                [SheetColumn(c.header, c.fmt) for c in sheet.columns],
                values,
                [{at[f]: note for f, note in m.items() if f in at} for m in marks],
            )
        if roster is not None:
            _write_roster_sheets(workbook, roster, con)
    finally:
        con.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        workbook.close()
        os.replace(tmp, path)
    except (OSError, FileCreateError) as exc:  # a read-only folder, a full disk: said
        with contextlib.suppress(OSError):
            tmp.unlink()
        cause = exc.args[0] if isinstance(exc, FileCreateError) and exc.args else exc
        raise OutputError(f"工作簿没有写入：{unwritable(path.parent, cause)}") from exc
    return path
