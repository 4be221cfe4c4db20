"""Plausibility rules: what a 复核 looks at first, beyond the arithmetic. A target missed yet
scored as if met, a deduction where the target was met, a 自评等级 the 总分 does not bear out.

The target is the 调整指标值 where one is stated. It counts only where it states a number and a comparator (`≥95%`, `≤5天`, `=1`, or a
bare number the actual equals); a text target, a text actual, two different units, or a number
with no unit beside one written with a multiplier (`19.2` beside `≥18万人次`) are never judged. Warnings: the form may score by a method of its own, and the analyst decides."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.checks.form_views import DocumentView, Row, tolerance, unsure
from pipeline.checks.registry import Report, rule
from pipeline.checks.scoring import indicator_rows, scored_forms
from pipeline.forms.normalize import ValueParser, normalize_date
from pipeline.model import Finding

_EPS = 1e-9


def _numbers(
    target: Row | None, actual: Row | None, parser: ValueParser | None
) -> tuple[float, str | None, float] | None:
    """(target, comparator, actual) where both state numbers in the same unit. A number with no
    unit beside one written with a multiplier (`19.2` beside `≥18万人次`, given as 180000 人次)
    is in a scale that cannot be told: not judged."""
    if target is None or actual is None:
        return None
    t, a = target["value_num"], actual["value_num"]
    if t is None or a is None:
        return None
    units = {target["value_unit"], actual["value_unit"]} - {None}
    if len(units) > 1:
        return None
    if units and _scale_untold(target, actual, parser):
        return None
    return t, target["comparator"], a


def _scale_untold(target: Row, actual: Row, parser: ValueParser | None) -> bool:
    """One of the two states no unit and the other was written with a multiplier."""
    if parser is None or None not in (target["value_unit"], actual["value_unit"]):
        return False
    return any(parser.multiplier_of(row["value_text"] or "") for row in (target, actual))


def attainment(target: float, comparator: str | None, actual: float) -> float | None:
    """How much of the target was reached, 0 … 1 (1: met); None when it cannot be told."""
    if comparator is None:  # a bare number: met only where the actual is that number
        return 1.0 if abs(actual - target) <= _EPS else None
    if comparator in ("≥", ">"):
        met = actual > target if comparator == ">" else actual >= target - _EPS
        if met:
            return 1.0
        return max(actual, 0.0) / target if target > 0 else None
    if comparator in ("≤", "<"):
        met = actual < target if comparator == "<" else actual <= target + _EPS
        if met:
            return 1.0
        return target / actual if actual > 0 and target >= 0 else None
    if comparator == "=":
        if abs(actual - target) <= _EPS:
            return 1.0
        if target > 0 and actual > 0:
            return min(actual / target, target / actual)
        return None
    return None


def _scored_indicators(doc: DocumentView) -> Iterator[tuple]:
    """(form, item, target, actual, weight, score rows, attainment, measures) of every
    indicator that states all four numbers and whose attainment can be told."""
    for form, scoring in scored_forms(doc):
        for (_, _, item, _), measures in indicator_rows(form, scoring).items():
            score, weight = measures.get("score"), measures.get("weight")
            if not score or not weight or score["value_num"] is None or not weight["value_num"]:
                continue
            target = _target(measures)
            parser = doc.vocabulary.parser if doc.vocabulary else None
            numbers = _numbers(target, measures.get("actual"), parser)
            if numbers is None or unsure(score, weight, target, measures.get("actual")):
                continue
            reached = attainment(*numbers)
            if reached is None:
                continue
            yield form, item, target, measures["actual"], weight, score, reached, measures


def _target(measures: dict[str, Row]) -> Row | None:
    """The target the indicator is held to: its 调整指标值 where one is stated, else the
    年度指标值."""
    adjusted = measures.get("target_adjusted")
    if adjusted is not None and adjusted["value_num"] is not None:
        return adjusted
    return measures.get("target")


@rule("score_above_attainment")
def score_above_attainment(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """A target missed by its comparator, scored more than the share of it reached allows
    (full marks for a miss is the plain case)."""
    for form, item, target, actual, weight, score, reached, _ in _scored_indicators(doc):
        if reached >= 1.0:
            continue
        allowed = weight["value_num"] * reached
        if score["value_num"] > allowed + tolerance(score):
            yield report(
                form,
                score,
                f"{item}：实际完成值 {actual['value_text']} 未达到年度指标值 "
                f"{target['value_text']}（完成 {reached * 100:.1f}%），得分 {score['value_text']} "
                f"高于按完成程度可得的 {allowed:.2f} 分（分值 {weight['value_text']}）",
                round(allowed, 2),
                score["value_num"],
            )


def _scored_by_rate(actual: Row, weight: Row, score: Row) -> bool:
    """Is the score the 分值 times a percentage actual (a 预算执行率 indicator scored by its
    rate: 94% of 10 is 9.4), a deduction the form states its reason for?"""
    if actual["value_unit"] != "%" or actual["value_num"] is None:
        return False
    expected = weight["value_num"] * min(actual["value_num"], 100.0) / 100
    return abs(expected - score["value_num"]) <= tolerance(score)


@rule("deduction_with_target_met")
def deduction_with_target_met(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """An 得分 below its 分值 where the 实际完成值 meets the 年度指标值 and no 偏差原因 says
    why (nor is the score the 分值 times the percentage reached, a rate's usual scoring)."""
    for form, item, target, actual, weight, score, reached, measures in _scored_indicators(doc):
        note = measures.get("deviation_note")
        if (note is not None and note["value_text"]) or _scored_by_rate(actual, weight, score):
            continue
        if reached >= 1.0 and score["value_num"] < weight["value_num"] - _EPS:
            yield report(
                form,
                score,
                f"{item}：实际完成值 {actual['value_text']} 已达到年度指标值 "
                f"{target['value_text']}，但得分 {score['value_text']} 低于分值 "
                f"{weight['value_text']}，也没有填写扣分原因",
                weight["value_num"],
                score["value_num"],
            )


@rule("rating_mismatch")
def rating_mismatch(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """A 自评等级 word the 总分 does not fall in, by the vocabulary's rating bands."""
    bands = doc.vocabulary.rating_bands if doc.vocabulary else ()
    for form, scoring in scored_forms(doc):
        section, item = scoring["total"]["section"], scoring["total"]["item"]
        rating, total = form.get(section, item, "rating"), form.get(section, item, "score")
        if rating is None or total is None or total["value_num"] is None:
            continue
        if unsure(rating, total):
            continue
        word = (rating["value_text"] or "").strip()
        band = next((b for b in bands if word in b.ratings), None)
        if band is None or band.holds(total["value_num"]):
            continue
        fits = next((b for b in bands if b.holds(total["value_num"])), None)
        should = f"，应为{fits.words()}" if fits is not None else ""
        yield report(
            form,
            rating,
            f"自评等级“{word}”与总分 {total['value_text']} 不符：{band.words()}{should}",
            None,
            total["value_num"],
        )


@rule("date_unreadable")
def date_unreadable(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """A date item (填报日期) whose text is no date: a label of the next item run into it
    (`2025.6.25联`), a digit lost; the text is kept as written and not taken for a date."""
    items = doc.vocabulary.footer_items if doc.vocabulary else ()
    dated = {i.item for i in items if i.date}
    for form in doc.forms:
        for row in form.rows:
            text = (row["value_text"] or "").strip()
            if row["item"] not in dated or not text or normalize_date(text):
                continue
            yield report(form, row, f"{row['item']}“{text}”不是日期，请核对", None, None)


@rule("text_in_number_column")
def text_in_number_column(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """Words where only a number belongs: a measure the vocabulary marks `always_number` (an
    amount, a headcount, an area) that holds text and no number. A form never means it so: a
    neighbour's text slipped into the cell, or the row was placed under the wrong column.
    (Weights, scores and rates are left out: some forms write their scoring rule or a word
    there.) A value read unsure has its own low_confidence finding."""
    measures = doc.vocabulary.measures if doc.vocabulary else {}
    quantities = {name for name, spec in measures.items() if spec.always_number}
    for form in doc.forms:
        for row in form.rows:
            text = (row["value_text"] or "").strip()
            if row["measure"] not in quantities or not text or row["value_num"] is not None:
                continue
            if unsure(row):
                continue
            shown = text if len(text) <= 20 else f"{text[:20]}…"
            yield report(
                form, row, f"{row['item']}应填数字，读到的是文字“{shown}”，请核对", None, None
            )
