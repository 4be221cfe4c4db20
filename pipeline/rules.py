"""Consistency rules: where a form contradicts itself or its sibling forms.

Each rule is a small named function registered with its stable id and severity. A rule reads the
valid records of one document (or, for run-level rules, of the whole run) and yields Findings
pointing at the cell concerned. Numbers are compared at the precision the form shows: a rate
shown with two decimals matches to ±0.005 points.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .model import Finding

Row = dict[str, Any]
FormKey = tuple[str, int]  # (form, form_seq)

LOW_CONFIDENCE = 0.80  # an OCR value read with less confidence than this gets a finding
MONEY_MEASURES = ("budget_initial", "budget_full_year", "executed")
EXPENSE_MEASURES = ("prior_year_final", "budget_initial", "final")


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


def rule(rule_id: str, severity: str) -> Callable:
    """Register a document rule under its stable id."""

    def register(check: Callable[[DocumentView, Report], Iterable[Finding]]) -> Callable:
        DOCUMENT_RULES.append(Rule(rule_id, severity, check))
        return check

    return register


@dataclass
class FormView:
    """The records of one form instance, looked up by their names."""

    form: str
    form_seq: int
    rows: list[Row]
    by_slot: dict[tuple, Row] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for row in self.rows:
            key = (row["section"], row["level1"], row["level2"], row["item"], row["measure"])
            self.by_slot.setdefault(key, row)

    @property
    def project(self) -> str | None:
        return next((r["project"] for r in self.rows if r["project"]), None)

    def get(self, section: str, item: str, measure: str) -> Row | None:
        return self.by_slot.get((section, None, None, item, measure))

    def num(self, section: str, item: str, measure: str) -> float | None:
        row = self.get(section, item, measure)
        return row["value_num"] if row is not None else None

    def section(self, name: str) -> list[Row]:
        return [r for r in self.rows if r["section"] == name]

    def indicator_rows(self) -> dict[tuple, dict[str, Row]]:
        """Each indicator (level1, level2, item, occurrence) with its measures."""
        out: dict[tuple, dict[str, Row]] = defaultdict(dict)
        counts: dict[tuple, int] = defaultdict(int)
        for row in self.section("indicators"):
            key = (row["level1"], row["level2"], row["item"])
            occurrence = counts[(*key, row["measure"])]
            counts[(*key, row["measure"])] += 1
            out[(*key, occurrence)][row["measure"]] = row
        return out


@dataclass
class DocumentView:
    """The valid records of one document, by form instance."""

    source_path: str
    forms: list[FormView]

    @classmethod
    def from_rows(cls, source_path: str, rows: list[Row]) -> DocumentView:
        grouped: dict[FormKey, list[Row]] = defaultdict(list)
        for row in rows:
            grouped[(row["form"], row["form_seq"])].append(row)
        forms = [FormView(f, s, r) for (f, s), r in grouped.items()]
        return cls(source_path, forms)

    def of(self, form: str) -> list[FormView]:
        return [f for f in self.forms if f.form == form]


TO_WANYUAN = {"万元": 1.0, "元": 1e-4, "千元": 0.1, "亿元": 1e4}


def wanyuan(row: Row | None) -> float | None:
    """A money value in 万元, whatever unit its table declared (元, 万元 …)."""
    if row is None or row["value_num"] is None:
        return None
    return row["value_num"] * TO_WANYUAN.get(row["value_unit"], 1.0)


def decimals(row: Row | None) -> int:
    """How many decimals the value was written with (`91.02%` → 2, `100%` → 0)."""
    if row is None or not row.get("value_text"):
        return 2
    digits = "".join(ch for ch in row["value_text"] if ch.isdigit() or ch == ".")
    return len(digits.split(".", 1)[1]) if "." in digits else 0


def tolerance(row: Row | None) -> float:
    """Half a unit of the last decimal shown, plus float noise."""
    return 0.5 * 10 ** -decimals(row) + 1e-9


def finding(
    rule_id: str,
    severity: str,
    form: FormView | None,
    row: Row | None,
    message: str,
    expected: float | None = None,
    actual: float | None = None,
    **where: Any,
) -> Finding:
    """A finding pointing at `row`'s cell (or at the names given in `where`)."""
    return Finding(
        rule=rule_id,
        severity=severity,
        message=message,
        form=form.form if form else where.get("form"),
        form_seq=form.form_seq if form else where.get("form_seq"),
        project=form.project if form else None,
        section=row["section"] if row else where.get("section"),
        item=row["item"] if row else where.get("item"),
        measure=row["measure"] if row else where.get("measure"),
        page=row["page"] if row else None,
        expected=None if expected is None else round(expected, 6),
        actual=None if actual is None else round(actual, 6),
    )


def _eval_forms(doc: DocumentView) -> Iterator[FormView]:
    yield from doc.of("dept_eval")
    yield from doc.of("project_eval")


def _score_pairs(form: FormView) -> Iterator[tuple[str, Row, Row | None]]:
    """(label, 得分 row, 分值 row) for the budget line and every indicator."""
    score = form.get("funds", "年度资金总额", "score")
    if score is not None:
        yield "年度资金总额", score, form.get("funds", "年度资金总额", "weight")
    for (_, _, item, _), measures in form.indicator_rows().items():
        if "score" in measures:
            yield item, measures["score"], measures.get("weight")


def _computed_rate(form: FormView, item: str) -> float | None:
    """全年执行数 / 全年预算数 of a funds row, in percent; None when either is missing."""
    budget = form.num("funds", item, "budget_full_year")
    executed = form.num("funds", item, "executed")
    return executed / budget * 100 if budget and executed is not None else None


# ---------------------------------------------------------------- the rules


@rule("execution_rate_mismatch", "error")
def execution_rate(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """执行率 = 全年执行数 / 全年预算数, to the precision shown."""
    for form in _eval_forms(doc):
        for row in form.section("funds"):
            if row["measure"] != "execution_rate" or row["value_num"] is None:
                continue
            expected = _computed_rate(form, row["item"])
            if expected is None:
                continue
            budget = form.num("funds", row["item"], "budget_full_year")
            executed = form.num("funds", row["item"], "executed")
            if abs(expected - row["value_num"]) > tolerance(row):
                yield report(
                    form,
                    row,
                    f"{row['item']} 执行率 {row['value_text']} ≠ 全年执行数 {executed:g} / "
                    f"全年预算数 {budget:g} = {expected:.2f}%",
                    expected,
                    row["value_num"],
                )


@rule("budget_score_mismatch", "error")
def budget_score(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """budget 得分 = 分值 × min(执行率, 100%)."""
    for form in _eval_forms(doc):
        score = form.get("funds", "年度资金总额", "score")
        weight = form.num("funds", "年度资金总额", "weight")
        rate = form.num("funds", "年度资金总额", "execution_rate")
        if rate is None:
            rate = _computed_rate(form, "年度资金总额")
        if score is None or score["value_num"] is None or weight is None or rate is None:
            continue
        expected = weight * min(rate, 100.0) / 100
        if abs(expected - score["value_num"]) > tolerance(score):
            yield report(
                form,
                score,
                f"预算执行得分 {score['value_text']} ≠ 分值 {weight:g} × min(执行率 {rate:g}%, 100%) "
                f"= {expected:.2f}",
                expected,
                score["value_num"],
            )


@rule("total_score_mismatch", "error")
def total_score(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """总分 得分 = budget 得分 + Σ indicator 得分."""
    for form in _eval_forms(doc):
        total = form.get("total", "总分", "score")
        if total is None or total["value_num"] is None:
            continue
        parts = [s["value_num"] for _, s, _ in _score_pairs(form) if s["value_num"] is not None]
        if not parts:
            continue
        expected = sum(parts)
        if abs(expected - total["value_num"]) > tolerance(total):
            yield report(
                form,
                total,
                f"总分得分 {total['value_text']} ≠ 预算执行得分 + 各指标得分之和 = {expected:g}",
                expected,
                total["value_num"],
            )


@rule("weights_mismatch", "error")
def weights(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """Σ indicator 分值 under a 一级指标 = its (N分); budget 分值 + Σ indicator 分值 = 总分 分值."""
    for form in _eval_forms(doc):
        by_group: dict[str, float] = defaultdict(float)
        all_weights = 0.0
        for (level1, _, _, _), measures in form.indicator_rows().items():
            weight = measures.get("weight")
            if weight is not None and weight["value_num"] is not None:
                by_group[level1] += weight["value_num"]
                all_weights += weight["value_num"]
        for group in form.section("indicator_groups"):
            if group["value_num"] is None:
                continue
            got = by_group.get(group["item"], 0.0)
            if abs(got - group["value_num"]) > 1e-6:
                yield report(
                    form,
                    group,
                    f"{group['item']} 下各指标分值之和 {got:g} ≠ {group['value_text']}",
                    group["value_num"],
                    got,
                )
        total = form.get("total", "总分", "weight")
        budget = form.num("funds", "年度资金总额", "weight") or 0.0
        if total is not None and total["value_num"] is not None and all_weights:
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


@rule("score_exceeds_weight", "error")
def score_over_weight(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """An 得分 above its 分值."""
    for form in _eval_forms(doc):
        pairs = list(_score_pairs(form))
        total = form.get("total", "总分", "score")
        if total is not None:
            pairs.append(("总分", total, form.get("total", "总分", "weight")))
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


SUBTOTALS = {
    # form: (section, parent item, measures)
    "base_data": [
        ("expenses", "三公经费", EXPENSE_MEASURES),
        ("expenses", "公务用车购置和维护经费", EXPENSE_MEASURES),
    ],
    "project_eval": [("funds", "年度资金总额", MONEY_MEASURES)],
    "dept_eval": [],
}
# dept_eval: the funds split by source add up to 全年预算数, by use to 全年执行数
SPLITS = [
    ("funds_by_source", "budget_full_year", "按收入性质分"),
    ("funds_by_use", "executed", "按支出性质分"),
]


@rule("subtotal_mismatch", "error")
def subtotals(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """A parent ≠ Σ its children."""
    for form in doc.forms:
        for section, parent_item, measures in SUBTOTALS.get(form.form, []):
            for measure in measures:
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
        if form.form == "dept_eval":
            for section, measure, what in SPLITS:
                found = _sum_check(
                    report,
                    form,
                    form.get("funds", "年度资金总额", measure),
                    form.section(section),
                    what,
                )
                if found:
                    yield found


def _control(
    report: Report, form: FormView, section: str, item: str, rate: str, actual: str, planned: str
) -> Finding | None:
    row = form.get(section, item, rate)
    numerator, denominator = form.num(section, item, actual), form.num(section, item, planned)
    if row is None or row["value_num"] is None or numerator is None or not denominator:
        return None
    expected = numerator / denominator * 100
    if abs(expected - row["value_num"]) <= tolerance(row):
        return None
    return report(
        form,
        row,
        f"{item} {rate} {row['value_text']} ≠ {numerator:g} / {denominator:g} = {expected:.2f}%",
        expected,
        row["value_num"],
    )


CONTROL_RATES = [
    ("staffing", "财政供养人员情况", "control_rate", "actual_headcount", "authorized_headcount"),
    ("buildings", "楼堂馆所控制情况", "area_control_rate", "actual_area", "approved_area"),
    (
        "buildings",
        "楼堂馆所控制情况",
        "investment_control_rate",
        "actual_investment",
        "budget_investment",
    ),
]


@rule("control_rate_mismatch", "error")
def control_rates(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """控制率 = 实际在职人数 / 编制数; likewise the two building rates."""
    for form in doc.of("base_data"):
        for spec in CONTROL_RATES:
            found = _control(report, form, *spec)
            if found:
                yield found


@rule("cross_form_mismatch", "warning")
def cross_form(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """项目支出 in base_data `final` = dept_eval 项目支出 = Σ project_eval `executed`."""
    dept = next(iter(doc.of("dept_eval")), None)
    base = next(iter(doc.of("base_data")), None)
    dept_row = dept.get("funds_by_use", "项目支出", "amount") if dept else None
    base_row = base.get("expenses", "项目支出", "final") if base else None
    projects = [wanyuan(p.get("funds", "年度资金总额", "executed")) for p in doc.of("project_eval")]
    figures: list[tuple[str, FormView | None, Row | None, float | None]] = [
        ("dept_eval 项目支出", dept, dept_row, wanyuan(dept_row)),
        ("base_data 项目支出决算数", base, base_row, wanyuan(base_row)),
    ]
    if projects and any(p is not None for p in projects):
        figures.append(("Σ 项目全年执行数", None, None, sum(p or 0.0 for p in projects)))
    known = [f for f in figures if f[3] is not None]
    if len(known) < 2:
        return
    reference = known[0]
    for label, form, row, number in known[1:]:
        if abs(number - reference[3]) > 0.005 + 1e-9:
            anchor_form, anchor_row = (form, row) if row else (reference[1], reference[2])
            yield report(
                anchor_form,
                anchor_row,
                f"{label} {number:g} 万元 ≠ {reference[0]} {reference[3]:g} 万元",
                reference[3],
                number,
            )


REQUIRED = [
    ("funds", "年度资金总额", "budget_full_year", "年度资金总额 全年预算数"),
    ("funds", "年度资金总额", "executed", "年度资金总额 全年执行数"),
    ("total", "总分", "weight", "总分 分值"),
    ("total", "总分", "score", "总分 得分"),
]


@rule("missing_required", "warning")
def missing_required(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """Blank unit, fiscal year, project name, 年度资金总额 全年预算数/全年执行数, 总分 分值/得分."""
    for form in doc.forms:
        first = form.rows[0]
        if not first["unit"]:
            yield report(form, None, "报送单位名称为空", section="header")
        if first["fiscal_year"] is None:
            yield report(form, None, "表头未写年度", section="header")
        if form.form == "project_eval" and not form.project:
            yield report(
                form,
                None,
                "项目支出名称为空",
                section="header",
                item="项目支出名称",
                measure="value",
            )
        if form.form == "base_data":
            continue
        for section, item, measure, label in REQUIRED:
            row = form.get(section, item, measure)
            if row is None or row["value_num"] is None:
                yield report(
                    form,
                    row,
                    f"{label} 为空",
                    section=section,
                    item=item,
                    measure=measure,
                )


@rule("missing_deviation_note", "warning")
def missing_deviation_note(doc: DocumentView, report: Report) -> Iterator[Finding]:
    """An indicator 得分 below its 分值 with no 偏差原因."""
    for form in _eval_forms(doc):
        for (_, _, item, _), measures in form.indicator_rows().items():
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


@rule("low_confidence", "warning")
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


def document_findings(source_path: str, rows: list[Row]) -> list[Finding]:
    """Every document rule over the valid records of one file."""
    view = DocumentView.from_rows(source_path, rows)
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
                        severity="warning",
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
