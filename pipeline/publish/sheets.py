"""The sheets of the 汇总 workbook declared: 部门整体汇总, 项目汇总 (one row per submission), 重复报送
(the copies left out), 指标明细, 问题清单, 各文件问题数 (each file's findings by rule, under the rules'
Chinese names), 文件清单, 更正记录; for each, its query and its columns (Chinese header, number
format, codes said in words, money shown in 万元).

The sheets are read through the same SQL as the BI views of `OUT/selfeval.duckdb`
(`pipeline/publish/views.py`), so the workbook and the views give the same figures. Amounts and
scores have two decimals, 执行率 is a percentage. `pipeline/publish/export.py` writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors.errors import ERROR_NAMES
from pipeline.checks.catalogue import RULES
from pipeline.definitions import load_catalog
from pipeline.names import (
    FORM_NAMES,
    SECTION_NAMES,
    SEVERITY_NAMES,
    STATUS_NAMES,
    format_name,
    measure_names,
)
from pipeline.publish.views import view_sql
from pipeline.publish.workbook_sheet import AMOUNT, DATETIME, INTEGER, PERCENT, SCORE

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
