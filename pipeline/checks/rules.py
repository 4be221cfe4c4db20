"""Consistency rules: where a form contradicts itself or its sibling forms.

Each rule is a small named function registered with its stable id and severity
(`registry.py`); the scoring rules are in `scoring.py`, the run-level ones (a
submission sent in several files) in `duplicates.py`. A rule reads the valid records of
one document and yields Findings pointing at the cell concerned. Numbers are compared at the precision the form shows: a rate
shown with two decimals matches to ±0.005 points.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from pipeline.checks import plausibility  # noqa: F401  (importing it registers its rules)
from pipeline.checks.form_views import (
    LOW_CONFIDENCE,
    DocumentView,
    FormView,
    Row,
    as_shown,
    computed_rate,
    denominator_row,
    tolerance,
    unsure,
)
from pipeline.checks.registry import DOCUMENT_RULES, Report, catalogue_order, checks_of, rule
from pipeline.checks.scoring import (  # (importing it registers its rules)
    indicator_rows,
    scored_forms,
)
from pipeline.definitions import Catalog, load_catalog
from pipeline.model import Finding

__all__ = ["DOCUMENT_RULES", "LOW_CONFIDENCE", "document_findings"]


def _measure_word(doc: DocumentView, measure: str) -> str:
    """A measure as the forms head its column (execution_rate → 执行率)."""
    spec = doc.vocabulary.measures.get(measure) if doc.vocabulary else None
    return spec.headers[0] if spec is not None and spec.headers else measure


def _rate_findings(doc: DocumentView, report: Report, rule_id: str) -> Iterator[Finding]:
    for form in doc.forms:
        for rate in checks_of(form).get("rates", ()):
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
                expected = computed_rate(form, rate, row["item"])
                if expected is None or abs(expected - row["value_num"]) <= tolerance(row):
                    continue
                numerator = form.get(rate["section"], row["item"], rate["numerator"])
                denominator = denominator_row(
                    form, rate["section"], row["item"], rate["denominator"]
                )
                if unsure(row, numerator, denominator):
                    continue
                assert numerator is not None and denominator is not None  # the rate was computed
                yield report(
                    form,
                    row,
                    f"{row['item']}{_measure_word(doc, row['measure'])} {row['value_text']} ≠ "
                    f"{as_shown(numerator['value_num'])} ÷ {as_shown(denominator['value_num'])} = {expected:.2f}%",
                    expected,
                    row["value_num"],
                )


# ---------------------------------------------------------------- the rules


@rule("execution_rate_mismatch")
def execution_rate(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """执行率 = 全年执行数 / 全年预算数, to the precision shown."""
    yield from _rate_findings(doc, report, "execution_rate_mismatch")


def _sum_check(
    report: Report, form: FormView, parent: Row | None, children: list[Row], what: str
) -> Finding | None:
    if parent is None or parent["value_num"] is None or unsure(parent, *children):
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
        f"{what}：{parent['item']} {parent['value_text']} ≠ 明细之和 {as_shown(expected)}",
        expected,
        parent["value_num"],
    )


@rule("subtotal_mismatch")
def subtotals(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """A parent ≠ Σ its children; a split of a total (funds by source, by use) ≠ the total."""
    for form in doc.forms:
        checks = checks_of(form)
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
    项目支出 = Σ project_eval `executed`) is the same on each, in 万元. A sum over the forms
    a file holds contradicts only by exceeding the figure: a department sends the forms of
    some of its projects, not always of all."""
    figures: dict[str, list[tuple[int, str, FormView | None, Row | None, float | None]]] = {}
    sums: dict[tuple[str, int, str], list[float | None]] = defaultdict(list)
    unsure_sums: set[tuple[str, int, str]] = set()
    for form in doc.forms:
        for fig in checks_of(form).get("figures", ()):
            slot = fig["slot"]
            row = form.get(slot["section"], slot["item"], slot["measure"])
            if fig.get("sum"):
                key = (fig["figure"], fig["rank"], fig["label"])
                sums[key].append(doc.wanyuan(row))
                if unsure(row):  # a sum with a part read unsure is no figure to compare
                    unsure_sums.add(key)
            elif unsure(row):  # a figure read unsure is compared with nothing
                continue
            elif not any(f[1] == fig["label"] for f in figures.get(fig["figure"], [])):
                entry = (fig["rank"], fig["label"], form, row, doc.wanyuan(row))
                figures.setdefault(fig["figure"], []).append(entry)
    for (figure, rank, label), numbers in sums.items():
        if (figure, rank, label) not in unsure_sums and any(n is not None for n in numbers):
            total = sum(n or 0.0 for n in numbers)
            figures.setdefault(figure, []).append((rank, label, None, None, total))
    for entries in figures.values():
        known = sorted((e for e in entries if e[4] is not None), key=lambda e: e[0])
        if len(known) < 2:
            continue
        reference = known[0]
        for _, label, form, row, number in known[1:]:
            if row is None and number < reference[4]:  # a sum short of it: projects not sent
                continue
            if abs(number - reference[4]) > 0.005 + 1e-9:
                anchor_form, anchor_row = (form, row) if row else (reference[2], reference[3])
                yield report(
                    anchor_form,
                    anchor_row,
                    f"{label} {as_shown(number)} 万元 ≠ {reference[1]} {as_shown(reference[4])} 万元",
                    reference[4],
                    number,
                )


@rule("missing_required")
def missing_required(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """Blank unit, fiscal year, project name, 年度资金总额 全年预算数/全年执行数, 总分 分值/得分
    (a slot the form's layout does not have is not asked for)."""
    for form in doc.forms:
        first = form.rows[0]
        checks = checks_of(form)
        blank = _blank_words(first)
        if not first["unit"]:
            yield report(form, None, f"报送单位名称{blank}", section="header")
        if first["fiscal_year"] is None:
            yield report(form, None, "表头未写年度", section="header")
        carrier = form.definition.carries("project") if form.definition else None
        if checks.get("require_project") and not form.project and carrier is not None:
            yield report(
                form,
                None,
                f"{carrier.item}{blank}",
                section="header",
                item=carrier.item,
                measure="value",
            )
        for slot in checks.get("required", ()):
            row = form.get(slot["section"], slot["item"], slot["measure"])
            if row is not None and row["value_num"] is None and not _holds_text(row):
                yield report(form, row, f"{slot.get('label', slot['item'])} {blank}")


def _blank_words(row: Row) -> str:
    """How a blank is told: on a scan the cell may hold what could not be read (a seal over
    it, a faint line), so it is not said to be empty."""
    return "为空或未能读出（扫描件）" if row.get("source_format") == "pdf_scan" else "为空"


def _holds_text(row: Row) -> bool:
    """A cell with words and no number is not blank: text_in_number_column or its
    low_confidence finding says what it holds."""
    return bool((row["value_text"] or "").strip())


@rule("missing_deviation_note")
def missing_deviation_note(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """An indicator 得分 below its 分值 with no 偏差原因 (where the form has that column)."""
    for form, scoring in scored_forms(doc):
        rows = indicator_rows(form, scoring)
        if not any("deviation_note" in measures for measures in rows.values()):
            continue
        for (_, _, item, _), measures in rows.items():
            score, weight = measures.get("score"), measures.get("weight")
            note = measures.get("deviation_note")
            if not score or not weight or score["value_num"] is None or weight["value_num"] is None:
                continue
            if unsure(score, weight):
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
    """A value read with a confidence below LOW_CONFIDENCE: an OCR value, or a PDF cell whose
    text may hold a neighbour's or miss some (a text printed over its edge, a sheet's strips
    printed on several pages not all joined back)."""
    for form in doc.forms:
        for row in form.rows:
            if row["confidence"] < LOW_CONFIDENCE:  # a number misread, or ink read as nothing
                what = (
                    "单元格归属不确定（文字越出边框，或跨页表格未能拼合）"
                    if row["source_format"] == "pdf"
                    else "识别置信度"
                )
                yield report(
                    form,
                    row,
                    f"{what} {row['confidence']:.2f} 低于 {LOW_CONFIDENCE:.2f}：{row['value_text'] or '(未识别)'}",
                    LOW_CONFIDENCE,
                    row["confidence"],
                )


def document_findings(
    source_path: str, rows: list[Row], catalog: Catalog | None = None
) -> list[Finding]:
    """Every document rule over the valid records of one file."""
    view = DocumentView.from_rows(source_path, rows, catalog or load_catalog())
    return [f for r in catalogue_order() for f in r.run(view)]
