"""What the consistency rules read: the valid records of one document, by form instance and
by name, and how a finding points at a record's cell. Numbers are compared at the precision
the form shows them with (`tolerance`), money in 万元 whatever a table declared (`DocumentView.wanyuan`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pipeline.definitions import Catalog, FormDef, Vocabulary
from pipeline.model import Finding

Row = dict[str, Any]
FormKey = tuple[str, int]  # (form, form_seq)

LOW_CONFIDENCE = 0.80  # an OCR value read with less confidence than this gets a finding


def unsure(*rows: Row | None) -> bool:
    """Does any of the rows hold a value read unsure (below LOW_CONFIDENCE)? A contradiction
    worked out from such a value is not the form's but the reading's: the value's own
    low_confidence finding says so, and no rule asserts a mismatch on it."""
    return any(r is not None and r.get("confidence", 1.0) < LOW_CONFIDENCE for r in rows)


@dataclass
class FormView:
    """The records of one form instance, looked up by their names."""

    form: str
    form_seq: int
    rows: list[Row]
    definition: FormDef | None = None
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

    def indicator_rows(self, section: str = "indicators") -> dict[tuple, dict[str, Row]]:
        """Each indicator (level1, level2, item, item_seq) with its measures."""
        out: dict[tuple, dict[str, Row]] = defaultdict(dict)
        for row in self.section(section):
            key = (row["level1"], row["level2"], row["item"], row.get("item_seq", 0))
            out[key][row["measure"]] = row
        return out


@dataclass
class DocumentView:
    """The valid records of one document, by form instance."""

    source_path: str
    forms: list[FormView]
    vocabulary: Vocabulary | None = None

    @classmethod
    def from_rows(cls, source_path: str, rows: list[Row], catalog: Catalog) -> DocumentView:
        grouped: dict[FormKey, list[Row]] = defaultdict(list)
        for row in rows:
            grouped[(row["form"], row["form_seq"])].append(row)
        forms = [FormView(f, s, r, catalog.forms.get(f)) for (f, s), r in grouped.items()]
        return cls(source_path, forms, catalog.vocabulary)

    def of(self, form: str) -> list[FormView]:
        return [f for f in self.forms if f.form == form]

    def wanyuan(self, row: Row | None) -> float | None:
        """A money value in 万元, whatever unit its table declared (元, 万元 …)."""
        if row is None or row["value_num"] is None:
            return None
        scales = self.vocabulary.scales if self.vocabulary else None
        factor = scales.in_wanyuan(row["value_unit"]) if scales else None
        return row["value_num"] * (factor if factor is not None else 1.0)


def decimals(row: Row | None) -> int:
    """How many decimals the value was written with (`91.02%` → 2, `100%` → 0)."""
    if row is None or not row.get("value_text"):
        return 2
    digits = "".join(ch for ch in row["value_text"] if ch.isdigit() or ch == ".")
    return len(digits.split(".", 1)[1]) if "." in digits else 0


def as_shown(number: float) -> str:
    """A figure in a message as the form writes it: every decimal it has, none added or lost
    (48875.21, not the 48875.2 of `:g`; 98, not 98.000000)."""
    text = f"{number:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


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


def denominator_row(form: FormView, section: str, item: str, names: list[str]) -> Row | None:
    """The first denominator the row holds (全年预算数, else 年初预算数 where a form has none).
    Where the form has the first column but this row's cell was not read, there is none: the
    next one is another figure, and a rate worked out from it contradicts nothing."""
    for name in names:
        row = form.get(section, item, name)
        if row is not None:
            return row
        if any(r["measure"] == name for r in form.section(section)):
            return None
    return None


def computed_rate(form: FormView, rate: dict[str, Any], item: str) -> float | None:
    """numerator / denominator of a row, in percent; None when either is missing or zero."""
    numerator = form.num(rate["section"], item, rate["numerator"])
    denominator = denominator_row(form, rate["section"], item, rate["denominator"])
    if numerator is None or denominator is None or not denominator["value_num"]:
        return None
    return numerator / denominator["value_num"] * 100
