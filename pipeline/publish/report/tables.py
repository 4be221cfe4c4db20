"""The report's long tables, paged in the browser: a season of 5,000 files has 20,000 project
rows, which as DOM rows made the page take a minute to open.

Each table is built here once, its cells already formatted (`Cell`: text, sort key, class);
the page shows the first PAGE_ROWS rows as HTML (what a reader without JavaScript, or a test
parsing the page, sees) and carries every row as JSON, from which its script pages, sorts and
filters (only one page of rows is ever in the DOM)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.publish.report.text import script_json

PAGE_ROWS = 200


@dataclass(frozen=True)
class Cell:
    text: str
    sort: str | float | None = None  # what the column sorts by (the text when None)
    cls: str = ""  # num (right-aligned), error, warning, corrected
    title: str = ""  # a figure an analyst corrected: what the file says, who, when and why
    corrected: str = ""  # that figure's field (budget_full_year …)


@dataclass(frozen=True)
class DataTable:
    id: str
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    row_class: str = ""

    @property
    def first_page(self) -> list[tuple[Cell, ...]]:
        return self.rows[:PAGE_ROWS]

    def json(self) -> str:
        """Every row, for the page's script: a cell is its text, or [text, sort, class] where
        it sorts by another key or has a class (the page's script reads both)."""
        data = [[_cell_json(c) for c in r] for r in self.rows]
        return script_json(data)


def _cell_json(cell: Cell) -> Any:
    """A cell as its text alone, or [text, sort, class] and [… , title, corrected field]."""
    if cell.title or cell.corrected:
        return [cell.text, cell.sort, cell.cls, cell.title, cell.corrected]
    if cell.sort is None and not cell.cls:
        return cell.text
    return [cell.text, cell.sort, cell.cls]


def _num_cell(value: Any, fmt: Callable[[Any], str]) -> Cell:
    return Cell(fmt(value), value if isinstance(value, int | float) else "", "num")


def _figure(row: dict[str, Any], name: str, fmt: Callable[[Any], str]) -> Cell:
    """A summary figure; one an analyst corrected is marked, its note as the cell's title."""
    cell = _num_cell(row[name], fmt)
    note = (row.get("marks") or {}).get(name)
    if note is None:
        return cell
    return Cell(f"{cell.text} 更正", cell.sort, "num corrected", note, name)


# the funds line's and the 总分 figures of a summary row, in the tables' column order
FIGURES = ("budget_initial", "budget_full_year", "executed", "execution_rate", "weight", "score",
           "total_score")  # fmt: skip


def _figures(row: dict[str, Any], num: Callable, pct: Callable) -> tuple[Cell, ...]:
    return tuple(_figure(row, n, pct if n == "execution_rate" else num) for n in FIGURES)


def dept_table(dept: list[dict[str, Any]], num: Callable, pct: Callable) -> DataTable:
    rows = [
        (
            Cell(r["unit"] or ""),
            Cell(str(r["fiscal_year"] or ""), r["fiscal_year"] or "", "num"),
            *_figures(r, num, pct),
            Cell(r["rating"] or ""),
            Cell(str(r["n_projects"]), r["n_projects"], "num"),
            Cell(str(r["findings"]), r["findings"], "num"),
            Cell(str(r["errors"]), r["errors"], "num"),
            Cell(r["source_path"]),
        )
        for r in dept
    ]
    headers = ("单位", "年度", "年初预算数", "全年预算数", "全年执行数", "执行率", "分值", "得分",
               "总分", "自评等级", "项目数", "问题数", "其中错误", "文件")  # fmt: skip
    return DataTable("dept", headers, rows)


def project_table(
    projects: list[dict[str, Any]], form_names: dict[str, str], num: Callable, pct: Callable
) -> DataTable:
    rows = [
        (
            Cell(r["unit"] or ""),
            Cell(r["project"] or ""),
            Cell(form_names.get(r["form"], r["form"])),
            Cell(str(r["fiscal_year"] or ""), r["fiscal_year"] or "", "num"),
            *_figures(r, num, pct),
            Cell(str(r["findings"]), r["findings"], "num"),
            Cell(r["source_path"]),
        )
        for r in projects
    ]
    headers = ("单位", "项目", "表", "年度", "年初预算数", "全年预算数", "全年执行数", "执行率",
               "分值", "得分", "总分", "问题数", "文件")  # fmt: skip
    return DataTable("projects-table", headers, rows)


def units_table(units: list[dict[str, Any]]) -> DataTable:
    rows = [
        (
            Cell(u["unit"]),
            Cell("\n".join(f"{f['path']}（{f['status']}）" for f in u["files"])),
            Cell(str(u["forms"]), u["forms"], "num"),
            Cell(str(u["errors"]), u["errors"], "num error"),
            Cell(str(u["warnings"]), u["warnings"], "num warning"),
            Cell(str(u["failed"]), u["failed"], "num"),
        )
        for u in units
    ]
    return DataTable(
        "units", ("单位", "文件（状态）", "表格", "错误", "提示", "读取失败"), rows, "unit"
    )
