"""`python -m pipeline export OUT --xlsx FILE`: the tables as one workbook for people who work in
Excel or WPS: 部门整体汇总, 项目汇总 (one row per submission), 重复报送 (the copies left out),
指标明细, 问题清单, 文件清单, 更正记录. A figure an analyst's correction changed is filled orange
with a comment saying what the file says, who corrected it, when and why.

The sheets are read through the same SQL as the BI views of `OUT/selfeval.duckdb`
(`pipeline/views.py`), run on an in-memory DuckDB over the Parquet files, so the workbook and the
views give the same figures. Each sheet has Chinese headers, a frozen header row, an autofilter,
number formats (amounts and scores with two decimals, 执行率 as a percentage) and column widths
fitted to the text.

Every value is written as what it is, never as something Excel would run: a text beginning with
`=` (a submitted `=HYPERLINK(…)`, a file named `=cmd|…`) is a text cell, not a formula, and the
control characters a damaged file can carry (which a workbook cannot hold) are removed.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from extractors.errors import ERROR_NAMES
from extractors.own_output import GENERATOR

from .definitions import load_catalog
from .names import FORM_NAMES, SECTION_NAMES, SEVERITY_NAMES, STATUS_NAMES, measure_names
from .roster import check_roster
from .rule_catalogue import RULES
from .store import TABLES, OutputError, table_path, unwritable
from .views import (
    correction_notes,
    figure_notes,
    indicator_notes,
    memory_connection,
    units_sent,
    view_sql,
)

AMOUNT = "#,##0.00"
SCORE = "0.00"
PERCENT = "0.00%"
INTEGER = "0"
DATETIME = "yyyy-mm-dd hh:mm:ss"

RULE_NAMES = {rule: spec.name for rule, spec in RULES.items()}


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header
    field: str  # the column of the query
    fmt: str | None = None  # number format
    divisor: float = 1.0  # a percentage shown as one (91.02 → 0.9102 under 0.00%)
    names: dict[str, str] | None = None  # codes shown in words
    money: bool = False  # an amount in the row's amount_unit, shown in 万元
    many: bool = False  # codes joined by `,` (corrected_figures), shown as 执行率、得分


TO_WANYUAN = {"万元": 1.0, "元": 1e-4, "千元": 0.1, "亿元": 1e4}


@dataclass(frozen=True)
class Sheet:
    title: str
    sql: str
    columns: tuple[Column, ...]
    marks: str | None = None  # "figures" or "indicators": how its corrected cells are found


CORRECTION_STATUS = {
    "applied": "已应用",
    "stale": "已失效",
    "not_found": "未找到",
    "invalid": "无效",
}
FIELD_NAMES = {"value": "值", "unit": "单位", "project": "项目", "fiscal_year": "年度"}
CORRECTED_FILL = PatternFill("solid", fgColor="FCE4D6")


FUNDS = (
    Column("年初预算数(万元)", "budget_initial", AMOUNT, money=True),
    Column("全年预算数(万元)", "budget_full_year", AMOUNT, money=True),
    Column("全年执行数(万元)", "executed", AMOUNT, money=True),
    Column("执行率", "execution_rate", PERCENT, divisor=100),
    Column("分值", "weight", SCORE),
    Column("得分", "score", SCORE),
    Column("总分分值", "total_weight", SCORE),
    Column("总分", "total_score", SCORE),
    Column("自评等级", "rating"),
)


def sheets(out_dir: Path) -> list[Sheet]:
    views = view_sql(out_dir)

    def cte(sql: str) -> str:
        return "WITH " + ", ".join(f'"{n}" AS ({s})' for n, s in views.items()) + " " + sql

    return [
        Sheet(
            "部门整体汇总",
            cte("SELECT * FROM dept_summary"),
            (
                Column("文件", "source_path"),
                Column("单位", "unit"),
                Column("年度", "fiscal_year", INTEGER),
                *FUNDS,
                Column("项目数", "n_projects", INTEGER),
                Column("问题数", "findings", INTEGER),
                Column("其中错误", "errors", INTEGER),
                Column("全文件问题数", "document_findings", INTEGER),
                Column("收到份数", "copies", INTEGER),
                Column("已更正", "corrected_figures", names=FIGURE_WORDS, many=True),
            ),
            marks="figures",
        ),
        Sheet(
            "项目汇总",
            cte("SELECT * FROM project_summary"),
            (
                Column("文件", "source_path"),
                Column("表", "form", names=FORM_NAMES),
                Column("单位", "unit"),
                Column("项目", "project"),
                Column("年度", "fiscal_year", INTEGER),
                *FUNDS,
                Column("问题数", "findings", INTEGER),
                Column("其中错误", "errors", INTEGER),
                Column("收到份数", "copies", INTEGER),
                Column("已更正", "corrected_figures", names=FIGURE_WORDS, many=True),
            ),
            marks="figures",
        ),
        Sheet(
            "重复报送",
            cte("SELECT * FROM duplicate_copies"),
            (
                Column("文件", "source_path"),
                Column("格式", "source_format"),
                Column("表", "form", names=FORM_NAMES),
                Column("项目", "project"),
                Column("说明", "message"),
            ),
        ),
        Sheet(
            "指标明细",
            cte("SELECT * FROM indicators_wide"),
            (
                Column("文件", "source_path"),
                Column("表", "form", names=FORM_NAMES),
                Column("单位", "unit"),
                Column("项目", "project"),
                Column("一级", "level1"),
                Column("二级", "level2"),
                Column("三级", "item"),
                Column("年度指标值", "target"),
                Column("实际完成值", "actual"),
                Column("分值", "weight", SCORE),
                Column("得分", "score", SCORE),
                Column("偏差原因", "deviation_note"),
                Column("页", "page", INTEGER),
                Column("已更正", "corrected_measures", names=measure_names(), many=True),
            ),
            marks="indicators",
        ),
        Sheet(
            "问题清单",
            cte(
                "SELECT * FROM findings "
                "ORDER BY source_path, form NULLS FIRST, form_seq NULLS FIRST, rule"
            ),
            (
                Column("文件", "source_path"),
                Column("表", "form", names=FORM_NAMES),
                Column("项目", "project"),
                Column("部分", "section", names=SECTION_NAMES),
                Column("行", "item"),
                Column("栏", "measure", names=measure_names()),
                Column("页", "page", INTEGER),
                Column("规则", "rule", names=RULE_NAMES),
                Column("级别", "severity", names=SEVERITY_NAMES),
                Column("说明", "message"),
                Column("应为", "expected", SCORE),
                Column("实为", "actual", SCORE),
            ),
        ),
        Sheet(
            "文件清单",
            cte("SELECT * FROM documents ORDER BY source_path"),
            (
                Column("文件", "source_path"),
                Column("格式", "source_format"),
                Column("状态", "status", names=STATUS_NAMES),
                Column("错误类型", "error_code", names=ERROR_NAMES),
                Column("错误说明", "error"),
                *(
                    Column(f"{FORM_NAMES[form]}数", f"n_{form}", INTEGER)
                    for form in load_catalog().form_order
                ),
                Column("值数", "n_values", INTEGER),
                Column("页数", "pages", INTEGER),
                Column("读取时间(UTC)", "extracted_at", DATETIME),
                Column("SHA-256", "source_sha256"),
            ),
        ),
        Sheet(
            "更正记录",
            cte("SELECT * FROM corrections ORDER BY line"),
            (
                Column("文件", "source_path"),
                Column("行号", "line", INTEGER),
                Column("状态", "status", names=CORRECTION_STATUS),
                Column("未应用的原因", "message"),
                Column("更正内容", "field", names=FIELD_NAMES),
                Column("表", "form", names=FORM_NAMES),
                Column("项目", "project"),
                Column("部分", "section", names=SECTION_NAMES),
                Column("项目行", "item"),
                Column("指标", "measure", names=measure_names()),
                Column("文件中的值", "value_in_file"),
                Column("更正前", "value_before"),
                Column("更正值", "corrected_value"),
                Column("更正后", "value_text"),
                Column("更正人", "author"),
                Column("原因", "reason"),
                Column("日期", "date"),
                Column("改动的值数", "rows", INTEGER),
                Column("记录编号", "record_id"),
                Column("更正编号", "correction_id"),
            ),
        ),
    ]


FIGURE_WORDS = {c.field: c.header for c in FUNDS}


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
        return value * TO_WANYUAN.get(row.get("amount_unit") or "万元", 1.0)
    if column.names is not None and column.many:
        return "、".join(column.names.get(code, code) for code in str(value).split(","))
    if column.names is not None:
        value = column.names.get(value, value)
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
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


def _as_text(row: Sequence[Any]) -> None:
    """Every text cell of a written row typed as text: openpyxl would make a formula of one
    beginning with `=`, which Excel then runs."""
    for cell in row:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _width(value: Any, column: Column) -> float:
    """Display width: a CJK character counts two."""
    if value is None:
        return 0
    if isinstance(value, float) and column.fmt in (AMOUNT, SCORE, PERCENT):
        text = f"{value:,.2f}" if column.fmt == AMOUNT else f"{value:.2f}%"
    elif isinstance(value, datetime):
        text = "2026-01-01 00:00:00"
    else:
        text = str(value)
    return max((_text_width(line) for line in text.splitlines()), default=0)


def _text_width(line: str) -> int:
    """Display width of one line: a CJK character counts two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in line)


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
MAX_WIDTH = 60
WRAP = Alignment(wrap_text=True, vertical="top")


def _write_sheet(
    ws: Any,
    columns: Sequence[Column],
    rows: Sequence[dict[str, Any]],
    marks: Sequence[dict[str, str]] = (),
) -> None:
    ws.append([c.header for c in columns])
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=False)
    widths = [_width(c.header, c) + 2 for c in columns]
    for row in rows:
        values = [_cell_value(c, row.get(c.field), row) for c in columns]
        ws.append(values)
        _as_text(ws[ws.max_row])
        for i, (column, value) in enumerate(zip(columns, values, strict=True)):
            widths[i] = max(widths[i], _width(value, column) + 2)
    for i, column in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = min(MAX_WIDTH, max(8, widths[i - 1]))
        wrap = widths[i - 1] > MAX_WIDTH  # a long text (偏差原因, 说明) wraps in its column
        if column.fmt or wrap:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                if column.fmt:
                    cell.number_format = column.fmt
                if wrap:
                    cell.alignment = WRAP
    at = {column.field: i for i, column in enumerate(columns, start=1)}
    for number, marked in enumerate(marks, start=2):
        for field_, note in marked.items():
            if field_ in at:
                cell = ws.cell(number, at[field_])
                cell.fill = CORRECTED_FILL
                cell.comment = Comment(note, "selfeval", width=320, height=120)
    _fit_wrapped_rows(ws)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(rows) + 1)}"
    _print_setup(ws)


def _write_roster_sheets(workbook: Any, roster: tuple[str, ...], con: Any, out_dir: Path) -> None:
    """未报送单位 (on the roster, no form) and 名单外单位 (forms, not on the roster)."""
    check = check_roster(roster, units_sent(con))
    _write_sheet(
        workbook.create_sheet("未报送单位"),
        (Column("单位名称", "unit"),),
        [{"unit": name} for name in check.missing],
    )
    _write_sheet(
        workbook.create_sheet("名单外单位"),
        (Column("单位名称", "unit"), Column("文件", "files")),
        [{"unit": unit, "files": "、".join(files)} for unit, files in check.outside],
    )


LINE_HEIGHT = 15.0  # points: one line of 11-point text


def _fit_wrapped_rows(ws: Any) -> None:
    """Rows tall enough for the text that wraps in them (Excel does not fit a written row)."""
    for cells in ws.iter_rows(min_row=2):
        lines = max(
            (
                _wrapped_lines(str(c.value), ws.column_dimensions[c.column_letter].width)
                for c in cells
                if c.value is not None and c.alignment.wrap_text
            ),
            default=1,
        )
        if lines > 1:
            ws.row_dimensions[cells[0].row].height = LINE_HEIGHT * lines


def _wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes in a column `width` characters wide."""
    room = max(1, int(width) - 1)
    return sum(max(1, -(-_text_width(line) // room)) for line in text.splitlines() or [""])


def _print_setup(ws: Any) -> None:
    """A4 landscape, one page wide, the header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True


def export_xlsx(out_dir: Path, path: Path, roster: tuple[str, ...] | None = None) -> Path:
    """Write the workbook of the tables under `out_dir` to `path` (aside, then swapped in);
    with a `roster`, the sheets 未报送单位 and 名单外单位 too."""
    out_dir = Path(out_dir)
    missing = [n for n in TABLES if not table_path(out_dir, n).exists()]
    if missing:
        raise FileNotFoundError(
            f"{out_dir} 中没有 {'、'.join(f'{n}.parquet' for n in missing)}：请先运行 ingest"
        )
    workbook = Workbook()
    workbook.properties.creator = GENERATOR  # known as ours if it is ever found under IN
    workbook.remove(workbook.active)
    con = memory_connection(out_dir)
    try:
        notes = correction_notes(con)
        for sheet in sheets(out_dir):
            cursor = con.execute(sheet.sql)
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
            marks = [_marks(sheet, row, notes) for row in rows]
            _write_sheet(workbook.create_sheet(sheet.title), sheet.columns, rows, marks)
        if roster is not None:
            _write_roster_sheets(workbook, roster, con, out_dir)
    finally:
        con.close()
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        workbook.save(tmp)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only folder, a full disk: said, nothing half written
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(f"工作簿没有写入：{unwritable(path.parent, exc)}") from exc
    return path
