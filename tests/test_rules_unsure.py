"""No contradiction is asserted on a value read unsure: a scan's misread figure already has its
low_confidence finding, and the arithmetic it breaks is the reading's fault, not the form's.
Each case is a small project form whose figures contradict each other only through one value;
read sure the contradiction is found, read unsure (confidence below 0.80) it is not."""

from __future__ import annotations

import pytest

from pipeline.checks.rules import LOW_CONFIDENCE, document_findings
from pipeline.definitions import load_catalog

UNSURE = 0.42


def _row(section, item, measure, num, *, unit="万元", level1=None, level2=None, text=None):
    return {
        "form": "project_eval",
        "form_seq": 0,
        "project": "河道保洁经费",
        "unit": "江城市水务局",
        "fiscal_year": 2024,
        "section": section,
        "level1": level1,
        "level2": level2,
        "item": item,
        "item_seq": 0,
        "item_parent": "年度资金总额" if section == "funds" and item != "年度资金总额" else None,
        "measure": measure,
        "value_text": text if text is not None else f"{num:g}",
        "value_num": num,
        "value_unit": unit,
        "comparator": None,
        "confidence": 0.97,  # as a scan reads a clear cell
        "source_format": "pdf_scan",
        "page": 1,
    }


def _form() -> list[dict]:
    """A consistent form: 80 of 100 spent (80%), budget 10 × 80% = 8, indicators 45 + 40,
    total 93 of 100."""
    ind = {"level1": "产出指标", "level2": "数量指标", "unit": "分"}
    return [
        _row("funds", "年度资金总额", "budget_full_year", 100.0),
        _row("funds", "年度资金总额", "executed", 80.0),
        _row("funds", "年度资金总额", "execution_rate", 80.0, unit="%", text="80.00%"),
        _row("funds", "年度资金总额", "weight", 10.0, unit="分"),
        _row("funds", "年度资金总额", "score", 8.0, unit="分"),
        _row("funds", "当年财政拨款", "budget_full_year", 60.0),
        _row("funds", "当年财政拨款", "executed", 50.0),
        _row("funds", "其他资金", "budget_full_year", 40.0),
        _row("funds", "其他资金", "executed", 30.0),
        _row("indicator_groups", "产出指标", "weight", 90.0, unit="分"),
        _row("indicators", "清理河道长度", "weight", 50.0, **ind),
        _row("indicators", "清理河道长度", "score", 45.0, **ind),
        _row("indicators", "保洁频次", "weight", 40.0, **ind),
        _row("indicators", "保洁频次", "score", 40.0, **ind),
        _row("total", "总分", "weight", 100.0, unit="分"),
        _row("total", "总分", "score", 93.0, unit="分"),
    ]


def _with(rows, item, measure, num, confidence):
    out = []
    for row in rows:
        if row["item"] == item and row["measure"] == measure:
            row = {**row, "value_num": num, "value_text": f"{num:g}", "confidence": confidence}
        out.append(row)
    return out


def _contradictions(rows):
    found = document_findings("x.pdf", rows, load_catalog())
    return sorted(
        (f.rule, f.item, f.measure)
        for f in found
        if f.rule not in ("low_confidence", "missing_required", "missing_deviation_note")
    )


def test_the_consistent_form_has_no_contradiction():
    assert _contradictions(_form()) == []


# (case, the value misread: item, measure, the misread number, the contradiction it makes)
MISREADS = [
    ("execution-rate", "年度资金总额", "execution_rate", 30.0, "execution_rate_mismatch"),
    ("subtotal-child", "当年财政拨款", "executed", 56.0, "subtotal_mismatch"),
    ("subtotal-parent", "年度资金总额", "budget_full_year", 1000.0, "subtotal_mismatch"),
    ("total-score", "总分", "score", 98.0, "total_score_mismatch"),
    ("indicator-score", "保洁频次", "score", 4.0, "total_score_mismatch"),
    ("indicator-weight", "保洁频次", "weight", 4.0, "weights_mismatch"),
    ("budget-score", "年度资金总额", "score", 3.0, "budget_score_mismatch"),
    ("score-over-weight", "清理河道长度", "score", 75.0, "score_exceeds_weight"),
]


@pytest.mark.parametrize(
    ("item", "measure", "num", "rule"), [m[1:] for m in MISREADS], ids=[m[0] for m in MISREADS]
)
def test_a_misread_read_sure_is_a_contradiction(item, measure, num, rule):
    found = _contradictions(_with(_form(), item, measure, num, 0.97))
    assert rule in {r for r, _, _ in found}


@pytest.mark.parametrize(
    ("item", "measure", "num", "rule"), [m[1:] for m in MISREADS], ids=[m[0] for m in MISREADS]
)
def test_a_misread_read_unsure_is_no_contradiction_but_a_low_confidence(item, measure, num, rule):
    rows = _with(_form(), item, measure, num, UNSURE)
    assert _contradictions(rows) == []
    found = document_findings("x.pdf", rows, load_catalog())
    low = [(f.item, f.measure) for f in found if f.rule == "low_confidence"]
    assert low == [(item, measure)]


def test_the_threshold_is_the_low_confidence_findings():
    at = _with(_form(), "总分", "score", 98.0, LOW_CONFIDENCE)
    assert _contradictions(at) == [("total_score_mismatch", "总分", "score")]


# the form's 年度资金总额 read with 年初预算数 90 beside its 全年预算数 100 (80 spent: 80.00%)
def _with_initial(rows):
    initial = {**rows[0], "measure": "budget_initial", "value_num": 90.0, "value_text": "90"}
    return [initial, *rows]


def _without(rows, item, measure):
    return [r for r in rows if (r["item"], r["measure"]) != (item, measure)]


def test_a_rate_whose_full_year_budget_was_not_read_is_not_worked_out_from_the_initial_one():
    # 80 / 90 = 88.89% ≠ 80.00% printed: the 全年预算数 cell lost, not the form's contradiction
    rows = _without(_with_initial(_form()), "年度资金总额", "budget_full_year")
    assert "execution_rate_mismatch" not in {r for r, _, _ in _contradictions(rows)}


def test_a_rate_of_a_form_without_a_full_year_budget_is_worked_out_from_the_initial_one():
    rows = [r for r in _with_initial(_form()) if r["measure"] != "budget_full_year"]
    assert ("execution_rate_mismatch", "年度资金总额", "execution_rate") in _contradictions(rows)
