"""Every rule id a finding may carry, with its severity and what it checks: the one list the
findings schema's enum and the README's rule table are tested against. Data problems are
findings under these ids; a file that cannot be read is an error code instead
(`extractors/errors.py`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleSpec:
    severity: str  # "error" | "warning"
    checks: str  # what the rule checks, in the README's words


RULES: dict[str, RuleSpec] = {
    "execution_rate_mismatch": RuleSpec("error", "执行率 = 全年执行数 / 全年预算数"),
    "budget_score_mismatch": RuleSpec("error", "budget 得分 = 分值 × min(执行率, 100%)"),
    "total_score_mismatch": RuleSpec("error", "总分 得分 = budget 得分 + Σ indicator 得分"),
    "weights_mismatch": RuleSpec(
        "error",
        "Σ indicator 分值 under a 一级指标 (or a weighted block label) = its `(N分)`; "
        "budget 分值 + Σ indicator 分值 = 总分 分值",
    ),
    "score_exceeds_weight": RuleSpec("error", "an 得分 above its 分值"),
    "subtotal_mismatch": RuleSpec("error", "a parent ≠ Σ its children, a split ≠ its total"),
    "control_rate_mismatch": RuleSpec(
        "error", "控制率 = 实际在职人数 / 编制数; the building rates"
    ),
    "cross_form_mismatch": RuleSpec(
        "warning", "项目支出: base_data `final` = dept_eval = Σ project_eval `executed`"
    ),
    "missing_required": RuleSpec(
        "warning",
        "blank unit, fiscal year, project name, 年度资金总额 全年预算数/全年执行数, 总分 分值/得分",
    ),
    "missing_deviation_note": RuleSpec(
        "warning", "an indicator 得分 below its 分值 with no 偏差原因"
    ),
    "unknown_header": RuleSpec("warning", "a column or row label no form definition knows"),
    "missing_label": RuleSpec(
        "warning", "an indicator whose 一级指标 or 二级指标 could not be read or recovered"
    ),
    "duplicate_submission": RuleSpec(
        "warning", "two files with the same unit, year, form and project"
    ),
    "low_confidence": RuleSpec("warning", "an OCR value read with confidence below 0.80"),
    "hidden_sheet": RuleSpec("warning", "a hidden sheet of a workbook, not read"),
    "hidden_cells": RuleSpec(
        "warning", "hidden rows or columns of a workbook sheet that held text, not read"
    ),
    "uncached_formula": RuleSpec(
        "warning", "a workbook formula with no cached value (read as blank, never as 0)"
    ),
    "unread_page": RuleSpec(
        "warning", "a scanned page the OCR failed on: the fault said, the file's other pages read"
    ),
}


def severity_of(rule_id: str) -> str:
    """The catalogue's severity for a rule id; an id not in the catalogue is a bug."""
    try:
        return RULES[rule_id].severity
    except KeyError:
        raise ValueError(f"rule id {rule_id!r} is not in pipeline/rule_catalogue.py") from None
