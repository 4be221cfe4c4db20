"""The scoring rules: a self-scoring form's budget score, total score, weights and scores
above their weight, where its definition's `checks.scoring` says where its lines stand."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from pipeline.checks.form_views import (
    DocumentView,
    FormView,
    Row,
    as_shown,
    computed_rate,
    denominator_row,
    tolerance,
    unsure,
)
from pipeline.checks.registry import Report, checks_of, rule
from pipeline.model import Finding

SCORE_PRECISION = 0.005  # scores are worked out to two decimals


def scored_forms(doc: DocumentView) -> Iterator[tuple[FormView, dict[str, Any]]]:
    """The forms that score themselves, with where their budget line and total stand."""
    for form in doc.forms:
        scoring = checks_of(form).get("scoring")
        if scoring:
            yield form, scoring


def indicator_rows(form: FormView, scoring: dict[str, Any]) -> dict[tuple, dict[str, Row]]:
    return form.indicator_rows(scoring["indicators"])


def score_pairs(form: FormView, scoring: dict[str, Any]) -> Iterator[tuple[str, Row, Row | None]]:
    """(label, 得分 row, 分值 row) for the budget line and every indicator."""
    budget = scoring["budget"]
    score = form.get(budget["section"], budget["item"], "score")
    if score is not None:
        yield budget["item"], score, form.get(budget["section"], budget["item"], "weight")
    for (_, _, item, _), measures in indicator_rows(form, scoring).items():
        if "score" in measures:
            yield item, measures["score"], measures.get("weight")


@rule("budget_score_mismatch")
def budget_score(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """budget 得分 = 分值 × min(执行率, 100%); the weight may come from the block label."""
    for form, scoring in scored_forms(doc):
        section, item = scoring["budget"]["section"], scoring["budget"]["item"]
        score = form.get(section, item, "score")
        weight_row = form.get(section, item, "weight")
        weight = weight_row["value_num"] if weight_row is not None else None
        rate_row = form.get(section, item, "execution_rate")
        rate = rate_row["value_num"] if rate_row is not None else None
        inputs = [score, weight_row, rate_row]
        if rate is None:
            rates = [r for r in checks_of(form).get("rates", ()) if r["section"] == section]
            rate = computed_rate(form, rates[0], item) if rates else None
            inputs += _rate_inputs(form, rates[0], item) if rates else []
        if score is None or score["value_num"] is None or weight is None or rate is None:
            continue
        if unsure(*inputs):
            continue
        expected = weight * min(rate, 100.0) / 100
        # A score is worked out to two decimals from the rate as shown, which was itself
        # rounded: 10 × 86% may be 8.6 ± 0.05, never 9 (a rounded-up score is a finding).
        slack = SCORE_PRECISION + (weight * tolerance(rate_row) / 100 if rate_row else 0.0)
        if abs(expected - score["value_num"]) > slack - 1e-9:
            yield report(
                form,
                score,
                f"预算执行得分 {score['value_text']} ≠ 分值 {as_shown(weight)} × 执行率 {as_shown(round(rate, 2))}%"
                f"（超过 100% 按 100% 计）= {expected:.2f}",
                expected,
                score["value_num"],
            )


def _rate_inputs(form: FormView, rate: dict[str, Any], item: str) -> list[Row | None]:
    """The rows a computed rate is worked out from: its numerator and denominator."""
    return [
        form.get(rate["section"], item, rate["numerator"]),
        denominator_row(form, rate["section"], item, rate["denominator"]),
    ]


@rule("total_score_mismatch")
def total_score(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """总分 得分 = budget 得分 + Σ indicator 得分."""
    for form, scoring in scored_forms(doc):
        total = form.get(scoring["total"]["section"], scoring["total"]["item"], "score")
        if total is None or total["value_num"] is None:
            continue
        pairs = list(score_pairs(form, scoring))
        parts = [s["value_num"] for _, s, _ in pairs if s["value_num"] is not None]
        if not parts or unsure(total, *(s for _, s, _ in pairs)):
            continue
        expected = sum(parts)
        precision = max([tolerance(total), *(tolerance(s) for _, s, _ in pairs)])
        if abs(expected - total["value_num"]) > precision:
            yield report(
                form,
                total,
                f"总分得分 {total['value_text']} ≠ 预算执行得分 + 各指标得分之和 = {as_shown(expected)}",
                expected,
                total["value_num"],
            )


@rule("weights_mismatch")
def weights(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """Σ indicator 分值 under a 一级指标 (or a weighted block such as 绩效指标(90分)) = its (N分);
    budget 分值 + Σ indicator 分值 = 总分 分值."""
    for form, scoring in scored_forms(doc):
        by_group: dict[str, float] = defaultdict(float)
        doubtful: set[str] = set()  # the groups holding a weight read unsure
        all_weights = 0.0
        counted = 0
        for (level1, level2, _, _), measures in indicator_rows(form, scoring).items():
            weight = measures.get("weight")
            if unsure(weight):
                doubtful |= {level1, level2}
            if weight is not None and weight["value_num"] is not None:
                by_group[level1] += weight["value_num"]
                by_group[level2] += weight["value_num"]
                all_weights += weight["value_num"]
                counted += 1
        if not counted:
            continue  # a form with no weight column: nothing to add up
        levels = {k for k, _, _, _ in indicator_rows(form, scoring)}
        every_weighted = counted == len(indicator_rows(form, scoring))
        for group in form.section(scoring["groups"]):
            if group["value_num"] is None or unsure(group):
                continue
            if group["item"] in doubtful or (group["item"] not in by_group and doubtful):
                continue  # a sum with a weight read unsure (a block's: all of them)
            if group["item"] in by_group:
                got = by_group[group["item"]]
            elif group["item"] in levels:
                continue  # its indicators state no weights (项目绩效(85分) over 自评分 only)
            elif every_weighted:  # a weighted block label, 绩效指标(90分), over every indicator
                got = all_weights
            else:
                continue
            if abs(got - group["value_num"]) > 1e-6:
                yield report(
                    form,
                    group,
                    f"{group['item']} 下各指标分值之和 {as_shown(got)} ≠ {group['value_text']}",
                    group["value_num"],
                    got,
                )
        budget_slot = scoring["budget"]
        total = form.get(scoring["total"]["section"], scoring["total"]["item"], "weight")
        budget_row = form.get(budget_slot["section"], budget_slot["item"], "weight")
        budget = (budget_row["value_num"] if budget_row is not None else None) or 0.0
        if unsure(total, budget_row) or doubtful:
            continue
        if total is not None and total["value_num"] is not None:
            expected = budget + all_weights
            if abs(expected - total["value_num"]) > 1e-6:
                yield report(
                    form,
                    total,
                    f"总分分值 {total['value_text']} ≠ 预算执行分值 {as_shown(budget)} + 各指标分值 "
                    f"{as_shown(all_weights)}",
                    expected,
                    total["value_num"],
                )


@rule("score_exceeds_weight")
def score_over_weight(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """An 得分 above its 分值."""
    for form, scoring in scored_forms(doc):
        pairs = list(score_pairs(form, scoring))
        section, item = scoring["total"]["section"], scoring["total"]["item"]
        total = form.get(section, item, "score")
        if total is not None:
            pairs.append((item, total, form.get(section, item, "weight")))
        for label, score, weight in pairs:
            if score["value_num"] is None or weight is None or weight["value_num"] is None:
                continue
            if unsure(score, weight):
                continue
            if score["value_num"] > weight["value_num"] + 1e-9:
                yield report(
                    form,
                    score,
                    f"{label} 得分 {score['value_text']} 高于分值 {weight['value_text']}",
                    weight["value_num"],
                    score["value_num"],
                )
