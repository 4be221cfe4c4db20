"""Consistency rules: where a form contradicts itself or its sibling forms.

Each rule is a small named function registered with its stable id and severity. A rule reads the
valid records of one document (or, for run-level rules, of the whole run) and yields Findings
pointing at the cell concerned. Numbers are compared at the precision the form shows: a rate
shown with two decimals matches to ±0.005 points.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from .definitions import Catalog, load_catalog
from .model import Finding
from .rule_catalogue import severity_of
from .rule_views import DocumentView, FormView, Row, finding, tolerance, wanyuan

LOW_CONFIDENCE = 0.80  # an OCR value read with less confidence than this gets a finding
SCORE_PRECISION = 0.005  # scores are worked out to two decimals


Report = Callable[..., Finding]  # report(form, row, message, expected, actual, **where)


@dataclass(frozen=True)
class Rule:
    rule: str
    severity: str
    check: Callable[[DocumentView, Report], Iterable[Finding]]

    def run(self, view: DocumentView) -> list[Finding]:
        """The rule's findings, each stamped with this rule's id and severity."""
        return list(self.check(view, partial(finding, self.rule, self.severity)))


DOCUMENT_RULES: list[Rule] = []


def rule(rule_id: str) -> Callable:
    """Register a document rule under its stable id, with the catalogue's severity."""
    severity = severity_of(rule_id)

    def register(check: Callable[[DocumentView, Report], Iterable[Finding]]) -> Callable:
        DOCUMENT_RULES.append(Rule(rule_id, severity, check))
        return check

    return register


def _checks(form: FormView) -> dict[str, Any]:
    return form.definition.checks if form.definition is not None else {}


def _scored_forms(doc: DocumentView) -> Iterator[tuple[FormView, dict[str, Any]]]:
    """The forms that score themselves, with where their budget line and total stand."""
    for form in doc.forms:
        scoring = _checks(form).get("scoring")
        if scoring:
            yield form, scoring


def _indicator_rows(form: FormView, scoring: dict[str, Any]) -> dict[tuple, dict[str, Row]]:
    return form.indicator_rows(scoring["indicators"])


def _score_pairs(form: FormView, scoring: dict[str, Any]) -> Iterator[tuple[str, Row, Row | None]]:
    """(label, 得分 row, 分值 row) for the budget line and every indicator."""
    budget = scoring["budget"]
    score = form.get(budget["section"], budget["item"], "score")
    if score is not None:
        yield budget["item"], score, form.get(budget["section"], budget["item"], "weight")
    for (_, _, item, _), measures in _indicator_rows(form, scoring).items():
        if "score" in measures:
            yield item, measures["score"], measures.get("weight")


def _denominator(form: FormView, section: str, item: str, names: list[str]) -> Row | None:
    """The first denominator the row holds (全年预算数, else 年初预算数 where a form has none)."""
    for name in names:
        row = form.get(section, item, name)
        if row is not None:
            return row
    return None


def _computed_rate(form: FormView, rate: dict[str, Any], item: str) -> float | None:
    """numerator / denominator of a row, in percent; None when either is missing or zero."""
    numerator = form.num(rate["section"], item, rate["numerator"])
    denominator = _denominator(form, rate["section"], item, rate["denominator"])
    if numerator is None or denominator is None or not denominator["value_num"]:
        return None
    return numerator / denominator["value_num"] * 100


def _rate_findings(doc: DocumentView, report: Report, rule_id: str) -> Iterator[Finding]:
    for form in doc.forms:
        for rate in _checks(form).get("rates", ()):
            if rate["rule"] != rule_id:
                continue
            rows = [
                r
                for r in form.section(rate["section"])
                if r["measure"] == rate["rate"] and rate["item"] in ("*", r["item"])
            ]
            for row in rows:
                if row["value_num"] is None:
                    continue
                expected = _computed_rate(form, rate, row["item"])
                if expected is None or abs(expected - row["value_num"]) <= tolerance(row):
                    continue
                numerator = form.num(rate["section"], row["item"], rate["numerator"])
                denominator = _denominator(form, rate["section"], row["item"], rate["denominator"])
                yield report(
                    form,
                    row,
                    f"{row['item']} {row['measure']} {row['value_text']} ≠ {numerator:g} / "
                    f"{denominator['value_num']:g} = {expected:.2f}%",
                    expected,
                    row["value_num"],
                )


# ---------------------------------------------------------------- the rules


@rule("execution_rate_mismatch")
def execution_rate(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """执行率 = 全年执行数 / 全年预算数, to the precision shown."""
    yield from _rate_findings(doc, report, "execution_rate_mismatch")


@rule("budget_score_mismatch")
def budget_score(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """budget 得分 = 分值 × min(执行率, 100%); the weight may come from the block label."""
    for form, scoring in _scored_forms(doc):
        section, item = scoring["budget"]["section"], scoring["budget"]["item"]
        score = form.get(section, item, "score")
        weight = form.num(section, item, "weight")
        rate_row = form.get(section, item, "execution_rate")
        rate = rate_row["value_num"] if rate_row is not None else None
        if rate is None:
            rates = [r for r in _checks(form).get("rates", ()) if r["section"] == section]
            rate = _computed_rate(form, rates[0], item) if rates else None
        if score is None or score["value_num"] is None or weight is None or rate is None:
            continue
        expected = weight * min(rate, 100.0) / 100
        # A score is worked out to two decimals from the rate as shown, which was itself
        # rounded: 10 × 86% may be 8.6 ± 0.05, never 9 (a rounded-up score is a finding).
        slack = SCORE_PRECISION + (weight * tolerance(rate_row) / 100 if rate_row else 0.0)
        if abs(expected - score["value_num"]) > slack - 1e-9:
            yield report(
                form,
                score,
                f"预算执行得分 {score['value_text']} ≠ 分值 {weight:g} × min(执行率 {rate:g}%, 100%) "
                f"= {expected:.2f}",
                expected,
                score["value_num"],
            )


@rule("total_score_mismatch")
def total_score(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """总分 得分 = budget 得分 + Σ indicator 得分."""
    for form, scoring in _scored_forms(doc):
        total = form.get(scoring["total"]["section"], scoring["total"]["item"], "score")
        if total is None or total["value_num"] is None:
            continue
        pairs = list(_score_pairs(form, scoring))
        parts = [s["value_num"] for _, s, _ in pairs if s["value_num"] is not None]
        if not parts:
            continue
        expected = sum(parts)
        precision = max([tolerance(total), *(tolerance(s) for _, s, _ in pairs)])
        if abs(expected - total["value_num"]) > precision:
            yield report(
                form,
                total,
                f"总分得分 {total['value_text']} ≠ 预算执行得分 + 各指标得分之和 = {expected:g}",
                expected,
                total["value_num"],
            )


@rule("weights_mismatch")
def weights(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """Σ indicator 分值 under a 一级指标 (or a weighted block such as 绩效指标(90分)) = its (N分);
    budget 分值 + Σ indicator 分值 = 总分 分值."""
    for form, scoring in _scored_forms(doc):
        by_group: dict[str, float] = defaultdict(float)
        all_weights = 0.0
        counted = 0
        for (level1, level2, _, _), measures in _indicator_rows(form, scoring).items():
            weight = measures.get("weight")
            if weight is not None and weight["value_num"] is not None:
                by_group[level1] += weight["value_num"]
                by_group[level2] += weight["value_num"]
                all_weights += weight["value_num"]
                counted += 1
        if not counted:
            continue  # a form with no weight column: nothing to add up
        levels = {k for k, _, _, _ in _indicator_rows(form, scoring)}
        every_weighted = counted == len(_indicator_rows(form, scoring))
        for group in form.section(scoring["groups"]):
            if group["value_num"] is None:
                continue
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
                    f"{group['item']} 下各指标分值之和 {got:g} ≠ {group['value_text']}",
                    group["value_num"],
                    got,
                )
        budget_slot = scoring["budget"]
        total = form.get(scoring["total"]["section"], scoring["total"]["item"], "weight")
        budget = form.num(budget_slot["section"], budget_slot["item"], "weight") or 0.0
        if total is not None and total["value_num"] is not None:
            expected = budget + all_weights
            if abs(expected - total["value_num"]) > 1e-6:
                yield report(
                    form,
                    total,
                    f"总分分值 {total['value_text']} ≠ 预算执行分值 {budget:g} + 各指标分值 "
                    f"{all_weights:g}",
                    expected,
                    total["value_num"],
                )


@rule("score_exceeds_weight")
def score_over_weight(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """An 得分 above its 分值."""
    for form, scoring in _scored_forms(doc):
        pairs = list(_score_pairs(form, scoring))
        section, item = scoring["total"]["section"], scoring["total"]["item"]
        total = form.get(section, item, "score")
        if total is not None:
            pairs.append((item, total, form.get(section, item, "weight")))
        for label, score, weight in pairs:
            if score["value_num"] is None or weight is None or weight["value_num"] is None:
                continue
            if score["value_num"] > weight["value_num"] + 1e-9:
                yield report(
                    form,
                    score,
                    f"{label} 得分 {score['value_text']} 高于分值 {weight['value_text']}",
                    weight["value_num"],
                    score["value_num"],
                )


def _sum_check(
    report: Report, form: FormView, parent: Row | None, children: list[Row], what: str
) -> Finding | None:
    if parent is None or parent["value_num"] is None:
        return None
    numbers = [c["value_num"] for c in children if c["value_num"] is not None]
    if not numbers:
        return None
    expected = sum(numbers)
    precision = max([tolerance(parent), *(tolerance(c) for c in children if c["value_num"])])
    if abs(expected - parent["value_num"]) <= precision:
        return None
    return report(
        form,
        parent,
        f"{what}: {parent['item']} {parent['value_text']} ≠ Σ {expected:g}",
        expected,
        parent["value_num"],
    )


@rule("subtotal_mismatch")
def subtotals(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """A parent ≠ Σ its children; a split of a total (funds by source, by use) ≠ the total."""
    for form in doc.forms:
        checks = _checks(form)
        for sub in checks.get("subtotals", ()):
            section, parent_item = sub["section"], sub["parent"]
            for measure in sub["measures"]:
                children = [
                    r
                    for r in form.section(section)
                    if r["item_parent"] == parent_item and r["measure"] == measure
                ]
                found = _sum_check(
                    report, form, form.get(section, parent_item, measure), children, "小计"
                )
                if found:
                    yield found
        for split in checks.get("splits", ()):
            total = split["total"]
            found = _sum_check(
                report,
                form,
                form.get(total["section"], total["item"], total["measure"]),
                form.section(split["section"]),
                split["label"],
            )
            if found:
                yield found


@rule("control_rate_mismatch")
def control_rates(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """控制率 = 实际在职人数 / 编制数; likewise the two building rates."""
    yield from _rate_findings(doc, report, "control_rate_mismatch")


@rule("cross_form_mismatch")
def cross_form(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """A figure every form of a document states (项目支出: base_data `final` = dept_eval
    项目支出 = Σ project_eval `executed`) is the same on each, in 万元."""
    figures: dict[str, list[tuple[int, str, FormView | None, Row | None, float | None]]] = {}
    sums: dict[tuple[str, int, str], list[float | None]] = defaultdict(list)
    for form in doc.forms:
        for fig in _checks(form).get("figures", ()):
            slot = fig["slot"]
            row = form.get(slot["section"], slot["item"], slot["measure"])
            if fig.get("sum"):
                sums[(fig["figure"], fig["rank"], fig["label"])].append(wanyuan(row))
            elif not any(f[1] == fig["label"] for f in figures.get(fig["figure"], [])):
                entry = (fig["rank"], fig["label"], form, row, wanyuan(row))
                figures.setdefault(fig["figure"], []).append(entry)
    for (figure, rank, label), numbers in sums.items():
        if any(n is not None for n in numbers):
            total = sum(n or 0.0 for n in numbers)
            figures.setdefault(figure, []).append((rank, label, None, None, total))
    for entries in figures.values():
        known = sorted((e for e in entries if e[4] is not None), key=lambda e: e[0])
        if len(known) < 2:
            continue
        reference = known[0]
        for _, label, form, row, number in known[1:]:
            if abs(number - reference[4]) > 0.005 + 1e-9:
                anchor_form, anchor_row = (form, row) if row else (reference[2], reference[3])
                yield report(
                    anchor_form,
                    anchor_row,
                    f"{label} {number:g} 万元 ≠ {reference[1]} {reference[4]:g} 万元",
                    reference[4],
                    number,
                )


@rule("missing_required")
def missing_required(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """Blank unit, fiscal year, project name, 年度资金总额 全年预算数/全年执行数, 总分 分值/得分
    (a slot the form's layout does not have is not asked for)."""
    for form in doc.forms:
        first = form.rows[0]
        checks = _checks(form)
        if not first["unit"]:
            yield report(form, None, "报送单位名称为空", section="header")
        if first["fiscal_year"] is None:
            yield report(form, None, "表头未写年度", section="header")
        carrier = form.definition.carries("project") if form.definition else None
        if checks.get("require_project") and not form.project and carrier is not None:
            yield report(
                form,
                None,
                f"{carrier.item}为空",
                section="header",
                item=carrier.item,
                measure="value",
            )
        for slot in checks.get("required", ()):
            row = form.get(slot["section"], slot["item"], slot["measure"])
            if row is not None and row["value_num"] is None:
                yield report(form, row, f"{slot.get('label', slot['item'])} 为空")


@rule("missing_deviation_note")
def missing_deviation_note(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """An indicator 得分 below its 分值 with no 偏差原因 (where the form has that column)."""
    for form, scoring in _scored_forms(doc):
        rows = _indicator_rows(form, scoring)
        if not any("deviation_note" in measures for measures in rows.values()):
            continue
        for (_, _, item, _), measures in rows.items():
            score, weight = measures.get("score"), measures.get("weight")
            note = measures.get("deviation_note")
            if not score or not weight or score["value_num"] is None or weight["value_num"] is None:
                continue
            if score["value_num"] < weight["value_num"] - 1e-9 and not (
                note and note["value_text"]
            ):
                yield report(
                    form,
                    score,
                    f"{item} 得分 {score['value_text']} 低于分值 {weight['value_text']}，未填偏差原因",
                    weight["value_num"],
                    score["value_num"],
                )


@rule("low_confidence")
def low_confidence(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """An OCR value read with a confidence below LOW_CONFIDENCE."""
    for form in doc.forms:
        for row in form.rows:
            if row["confidence"] < LOW_CONFIDENCE:  # a number misread, or ink read as nothing
                yield report(
                    form,
                    row,
                    f"识别置信度 {row['confidence']:.2f} 低于 {LOW_CONFIDENCE:.2f}：{row['value_text'] or '(未识别)'}",
                    LOW_CONFIDENCE,
                    row["confidence"],
                )


def document_findings(
    source_path: str, rows: list[Row], catalog: Catalog | None = None
) -> list[Finding]:
    """Every document rule over the valid records of one file."""
    view = DocumentView.from_rows(source_path, rows, catalog or load_catalog())
    return [f for r in DOCUMENT_RULES for f in r.run(view)]


def duplicate_submissions(documents: list[tuple[str, list[Row]]]) -> list[Finding]:
    """Run-level rule: two files with the same unit, year, form and project."""
    seen: dict[tuple, str] = {}
    found: list[Finding] = []
    for source_path, rows in documents:
        keys = {
            (r["unit"], r["fiscal_year"], r["form"], r["project"]): r for r in rows if r["unit"]
        }
        for key, row in keys.items():
            first = seen.setdefault(key, source_path)
            if first != source_path:
                unit, year, form, project = key
                found.append(
                    Finding(
                        rule="duplicate_submission",
                        severity=severity_of("duplicate_submission"),
                        message=f"{unit} {year} {form} {project or ''} 已在 {first} 中报送".replace(
                            "  ", " "
                        ),
                        form=form,
                        form_seq=row["form_seq"],
                        project=project,
                        source_path=source_path,
                    )
                )
    return found
