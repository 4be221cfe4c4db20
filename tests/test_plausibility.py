"""Plausibility rules, each on a small form written out row by row: a missed target scored in
full, a deduction where the target was met, a 自评等级 the 总分 does not bear out."""

from __future__ import annotations

import pytest

from pipeline.checks.plausibility import attainment
from pipeline.checks.rules import document_findings
from pipeline.definitions import load_catalog


def _row(section, item, measure, text, num=None, unit=None, cmp=None, level1=None, level2=None):
    return {
        "form": "project_eval",
        "form_seq": 0,
        "project": "乡村道路养护",
        "unit": "江城市交通运输局",
        "fiscal_year": 2024,
        "section": section,
        "level1": level1,
        "level2": level2,
        "item": item,
        "item_seq": 0,
        "measure": measure,
        "value_text": text,
        "value_num": num,
        "value_unit": unit,
        "comparator": cmp,
        "confidence": 1.0,
        "page": None,
    }


def _indicator(item, target, actual, weight, score):
    """target/actual as (text, num, unit, comparator)."""
    rows = []
    for measure, (text, num, unit, cmp) in (("target", target), ("actual", actual)):
        rows.append(_row("indicators", item, measure, text, num, unit, cmp, "产出指标", "数量指标"))
    rows.append(
        _row(
            "indicators", item, "weight", f"{weight:g}", weight, "分", None, "产出指标", "数量指标"
        )
    )
    rows.append(
        _row("indicators", item, "score", f"{score:g}", score, "分", None, "产出指标", "数量指标")
    )
    return rows


def _rules(rows, *ids):
    found = document_findings("x.docx", rows, load_catalog())
    return [(f.rule, f.item, f.measure, f.expected, f.actual) for f in found if f.rule in ids]


PLAUSIBILITY = ("score_above_attainment", "deduction_with_target_met", "rating_mismatch")


def test_a_missed_target_scored_in_full_is_found():
    rows = _indicator("道路养护里程", ("≥95%", 95, "%", "≥"), ("80%", 80, "%", None), 10, 10)
    assert _rules(rows, *PLAUSIBILITY) == [
        ("score_above_attainment", "道路养护里程", "score", 8.42, 10.0)
    ]


def test_a_missed_target_scored_by_its_share_is_not_found():
    rows = _indicator("道路养护里程", ("≥95%", 95, "%", "≥"), ("80%", 80, "%", None), 10, 8.4)
    assert _rules(rows, *PLAUSIBILITY) == []


def test_an_upper_limit_exceeded_and_scored_in_full_is_found():
    rows = _indicator("办结时限", ("≤5天", 5, "天", "≤"), ("8天", 8, "天", None), 10, 10)
    assert _rules(rows, *PLAUSIBILITY) == [
        ("score_above_attainment", "办结时限", "score", 6.25, 10.0)
    ]


def test_a_met_target_with_a_deduction_is_found():
    rows = _indicator("覆盖率", ("≥90%", 90, "%", "≥"), ("96%", 96, "%", None), 10, 8)
    assert _rules(rows, *PLAUSIBILITY) == [
        ("deduction_with_target_met", "覆盖率", "score", 10.0, 8.0)
    ]


def test_a_deduction_with_its_reason_written_is_not_found():
    rows = _indicator("覆盖率", ("≥90%", 90, "%", "≥"), ("96%", 96, "%", None), 10, 8)
    note = dict(rows[-1], measure="deviation_note", value_text="部分乡镇资料不全", value_num=None)
    assert _rules([*rows, note], *PLAUSIBILITY) == []


def test_an_adjusted_target_met_is_what_counts():
    rows = _indicator(
        "新增造林面积", ("≥12000亩", 12000, "亩", "≥"), ("11200亩", 11200, "亩", None), 20, 20
    )
    adjusted = dict(rows[0], measure="target_adjusted", value_text="≥11000亩", value_num=11000)
    assert _rules([*rows, adjusted], *PLAUSIBILITY) == []
    assert _rules(rows, *PLAUSIBILITY)[0][0] == "score_above_attainment"


def test_targets_written_with_a_multiplier_are_judged_in_the_base_unit():
    """`≥18万人次` and `19.2万人次` are 180000 and 192000 人次: met; `16万人次` is missed."""
    met = _indicator(
        "日均客运量",
        ("≥18万人次", 180000, "人次", "≥"),
        ("19.2万人次", 192000, "人次", None),
        10,
        10,
    )
    assert _rules(met, *PLAUSIBILITY) == []
    missed = _indicator(
        "日均客运量", ("≥18万人次", 180000, "人次", "≥"), ("16万人次", 160000, "人次", None), 10, 10
    )
    assert _rules(missed, *PLAUSIBILITY) == [
        ("score_above_attainment", "日均客运量", "score", 8.89, 10.0)
    ]
    plain = _indicator(
        "日均客运量", ("≥180000人次", 180000, "人次", "≥"), ("192000", 192000, None, None), 10, 8
    )
    assert _rules(plain, *PLAUSIBILITY)[0][0] == "deduction_with_target_met"  # no 万: judged


def test_a_rate_scored_by_its_share_is_no_deduction_without_reason():
    rows = _indicator("预算执行率", ("≥90%", 90, "%", "≥"), ("94.00%", 94, "%", None), 10, 9.4)
    assert _rules(rows, *PLAUSIBILITY) == []


@pytest.mark.parametrize(
    ("target", "actual"),
    [
        (("≥95%", 95, "%", "≥"), ("达到预期", None, None, None)),  # a text actual
        (("按期完成", None, None, None), ("完成", None, None, None)),  # a text target
        (("≥100万元", 100, "万元", "≥"), ("80个", 80, "个", None)),  # two units
        (("100%", 100, "%", None), ("96%", 96, "%", None)),  # no comparator, not met: untold
        # a bare actual beside a target written with 万: its scale cannot be told
        (("≥18万人次", 180000, "人次", "≥"), ("19.2", 19.2, None, None)),
        (("≥ 18 万人次", 180000, "人次", "≥"), ("19.2", 19.2, None, None)),  # 度量单位 column
    ],
    ids=[
        "text-actual",
        "text-target",
        "two-units",
        "bare-target-missed",
        "bare-actual-beside-wan",
        "bare-actual-beside-a-wan-unit-column",
    ],
)
def test_what_cannot_be_judged_is_not(target, actual):
    assert _rules(_indicator("指标", target, actual, 10, 10), *PLAUSIBILITY) == []
    assert _rules(_indicator("指标", target, actual, 10, 6), *PLAUSIBILITY) == []


def _total(score, rating):
    return [
        _row("total", "总分", "weight", "100", 100.0, "分"),
        _row("total", "总分", "score", f"{score:g}", score, "分"),
        _row("total", "总分", "rating", rating),
    ]


@pytest.mark.parametrize(
    ("score", "rating", "found"),
    [
        (92, "优", False),
        (90, "优", False),
        (89.9, "优", True),
        (85, "良好", False),
        (91, "良", True),
        (70, "中", False),
        (55, "中", True),
        (40, "差", False),
        (75, "合格", False),
    ],
    ids=[
        "92-优",
        "90-优",
        "89.9-优",
        "85-良好",
        "91-良",
        "70-中",
        "55-中",
        "40-差",
        "合格-no-band",
    ],
)
def test_a_rating_the_total_does_not_bear_out_is_found(score, rating, found):
    hits = _rules(_total(score, rating), "rating_mismatch")
    assert hits == ([("rating_mismatch", "总分", "rating", None, float(score))] if found else [])


@pytest.mark.parametrize(
    ("target", "cmp", "actual", "share"),
    [
        (95, "≥", 80, 80 / 95),
        (95, "≥", 96, 1.0),
        (5, "≤", 8, 5 / 8),
        (5, "≤", 5, 1.0),
        (1, "=", 1, 1.0),
        (10, ">", 10, 1.0),
        (100, None, 100, 1.0),
        (100, None, 99, None),
    ],
)
def test_attainment(target, cmp, actual, share):
    got = attainment(target, cmp, actual)
    assert got == share if share is None or share == 1.0 else got == pytest.approx(share)


@pytest.mark.parametrize(
    "measure, text, num, found",
    [
        ("executed", "严格执行中央八项规定精神，从严控制三公经费", None, True),  # a note slipped in
        ("weight", "按完成比例计分", None, False),  # a scoring rule written under 分值
        ("budget_full_year", "见附件", None, True),
        ("executed", "1,024.50", 1024.5, False),
        ("target", "有效保障", None, False),  # a target may be words: no unit in the vocabulary
        ("deviation_note", "资金拨付滞后", None, False),
        ("executed", None, None, False),  # a blank or a placeholder is no text
    ],
    ids=[
        "note-in-amount",
        "rule-in-weight",
        "words-in-budget",
        "amount",
        "text-target",
        "note",
        "blank",
    ],
)
def test_words_in_a_column_of_quantities_are_found(measure, text, num, found):
    row = _row("funds", "年度资金总额", measure, text, num, "万元" if num else None)
    row |= {"item_parent": None, "source_format": "pdf"}
    said = _rules([row], "text_in_number_column")
    assert bool(said) == found
    if found:
        assert said[0][1:3] == ("年度资金总额", measure)


def test_words_read_unsure_are_left_to_their_low_confidence_finding():
    row = _row("funds", "年度资金总额", "executed", "号", None)
    row |= {"item_parent": None, "source_format": "pdf", "confidence": 0.3}
    assert _rules([row], "text_in_number_column") == []
