"""`python -m pipeline export OUT --xlsx FILE`: the tables as one workbook for people who work in
Excel or WPS: 部门整体汇总, 项目汇总 (one row per submission), 重复报送 (the copies left out),
指标明细, 问题清单, 各文件问题数 (each file's findings by rule, under the rules' Chinese names), 文件清单,
更正记录. A figure an analyst's correction changed is filled orange
with a comment saying what the file says, who corrected it, when and why.

The sheets are read through the same SQL as the BI views of `OUT/selfeval.duckdb`
(`pipeline/publish/views.py`), run on an in-memory DuckDB over the Parquet files, so the workbook and the
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from xlsxwriter.exceptions import FileCreateError

from extractors.errors import ERROR_NAMES
from extractors.own_output import GENERATOR
from pipeline.checks.catalogue import RULES
from pipeline.definitions import load_catalog
from pipeline.names import (
    BEIJING,
    FORM_NAMES,
    SECTION_NAMES,
    SEVERITY_NAMES,
    STATUS_NAMES,
    format_name,
    measure_names,
)
from pipeline.publish.roster import check_roster
from pipeline.publish.store import TABLES, OutputError, table_path, unwritable
from pipeline.publish.views import (
    correction_notes,
    figure_notes,
    indicator_notes,
    memory_connection,
    units_sent,
    view_sql,
)
from pipeline.publish.workbook_sheet import (
    AMOUNT,
    DATETIME,
    INTEGER,
    PERCENT,
    SCORE,
    Book,
    SheetColumn,
)

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
    words: Callable[[Any], str] | None = None  # a code said in words by a function


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


def sheets(out_dir: Path, rules: Sequence[str] = ()) -> list[Sheet]:
    """The workbook's sheets; `rules` are the rules with findings in the season (in the
    catalogue's order), each a column of 各文件问题数 under its Chinese name."""
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
                Column("格式", "source_format", words=format_name),
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
            "各文件问题数",
            cte(
                "SELECT d.*, u.unit FROM findings_by_document d LEFT JOIN (SELECT source_path, "
                'min(unit) AS unit FROM "values" GROUP BY source_path) u '
                "ON u.source_path = d.source_path WHERE d.findings > 0 "
                "ORDER BY u.unit NULLS LAST, d.source_path"
            ),
            (
                Column("单位", "unit"),
                Column("文件", "source_path"),
                Column("问题数", "findings", INTEGER),
                Column("错误", "errors", INTEGER),
                Column("提示", "warnings", INTEGER),
                *(Column(RULE_NAMES[rule], rule, INTEGER) for rule in rules),
            ),
        ),
        Sheet(
            "文件清单",
            cte("SELECT * FROM documents ORDER BY source_path"),
            (
                Column("文件", "source_path"),
                Column("格式", "source_format", words=format_name),
                Column("状态", "status", names=STATUS_NAMES),
                Column("错误类型", "error_code", names=ERROR_NAMES),
                Column("错误说明", "error"),
                *(
                    Column(f"{FORM_NAMES[form]}数", f"n_{form}", INTEGER)
                    for form in load_catalog().form_order
                ),
                Column("值数", "n_values", INTEGER),
                Column("页数", "pages", INTEGER),
                Column("读取时间(北京时间)", "extracted_at", DATETIME),
                Column("文件校验码", "source_sha256"),
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
