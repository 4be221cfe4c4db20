"""One file's rows while the corrections that name it are applied, and the small pieces a
line's outcome is made of: its place, a reading's new value, the stale finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.checks.catalogue import severity_of
from pipeline.checks.validate import is_valid, schema_errors, to_json
from pipeline.corrections.audit import SEPARATOR
from pipeline.corrections.lines import CorrectionLine
from pipeline.definitions import load_catalog
from pipeline.forms.normalize import label_key
from pipeline.model import Finding

Row = dict[str, Any]
STALE_RULE = "correction_stale"


@dataclass
class FileState:
    """One file's rows while its lines are applied."""

    rel: str
    rows: list[Row]
    read: list[Row]
    taken: dict[tuple, int] = field(default_factory=dict)  # what a line changed → its number
    stale: list[tuple[CorrectionLine, Row | None, str]] = field(default_factory=list)

    def value_rows(self, line: CorrectionLine) -> list[int]:
        if line.record_id:
            return [i for i, r in enumerate(self.read) if r["record_id"] == line.record_id]
        item = label_key(line.item or "")
        return [
            i
            for i, (r, now) in enumerate(zip(self.read, self.rows, strict=True))
            if label_key(r["item"]) == item
            and r["measure"] == line.measure
            and (line.form is None or r["form"] == line.form)
            and (line.form_seq is None or r["form_seq"] == line.form_seq)
            and (line.section is None or r["section"] == line.section)
            and (line.project is None or line.project in (r["project"], now["project"]))
        ]

    def forms(self, line: CorrectionLine) -> list[tuple[str, int]]:
        """The form instances a reading correction applies to (every one for a unit)."""
        found: dict[tuple[str, int], None] = {}
        for r, now in zip(self.read, self.rows, strict=True):
            if line.field != "unit" and not (
                (line.form is None or r["form"] == line.form)
                and (line.form_seq is None or r["form_seq"] == line.form_seq)
                and (line.project is None or line.project in (r["project"], now["project"]))
            ):
                continue
            if line.field == "project" and self._carrier(r["form"]) is None:
                continue
            found[(r["form"], r["form_seq"])] = None
        return list(found)

    def _carrier(self, form: str):
        definition = load_catalog().forms.get(form)
        return definition.carries("project") if definition else None

    def form_read(self, form: tuple[str, int], column: str) -> Any:
        return next(r[column] for r in self.read if (r["form"], r["form_seq"]) == form)

    def rows_of(self, forms: list[tuple[str, int]]) -> list[int]:
        wanted = set(forms)
        return [i for i, r in enumerate(self.read) if (r["form"], r["form_seq"]) in wanted]


def form_place(state: FileState, forms: list[tuple[str, int]], column: str) -> dict[str, Any]:
    if column == "unit" or len(forms) != 1:
        return {"source_path": state.rel}
    form, seq = forms[0]
    return {
        "source_path": state.rel,
        "form": form,
        "form_seq": seq,
        "project": state.form_read(forms[0], "project"),
    }


def reading_value(column: str, text: str) -> tuple[Any, str | None]:
    if column == "fiscal_year":
        digits = text.strip().removesuffix("年度").removesuffix("年")
        if digits.isdigit() and 1990 <= int(digits) <= 2100:
            return int(digits), None
        return None, f"年度“{text}”应是 2024 这样的四位年份"
    return text.strip(), None


def joined(ids: str | None, new: str) -> str:
    return new if not ids else f"{ids}{SEPARATOR}{new}"


def measure_word(measure: str) -> str:
    from pipeline.names import measure_names

    return f"“{measure_names().get(measure, measure)}”"


def schema_problem(row: Row) -> str | None:
    if is_valid("values", to_json(row)):
        return None
    return f"更正后的值不符合 values 表的约定：{'；'.join(schema_errors('values', row))}"


def stale_finding(line: CorrectionLine, row: Row | None, message: str) -> Finding:
    where = row or {
        "form": line.form,
        "form_seq": line.form_seq,
        "project": line.project,
        "section": line.section,
        "item": line.item,
        "measure": line.measure,
        "page": None,
    }
    return Finding(
        rule=STALE_RULE,
        severity=severity_of(STALE_RULE),
        message=f"更正第 {line.line} 行（{line.author or '未署名'}：{line.reason or ''}）：{message}",
        form=where["form"],
        form_seq=where["form_seq"],
        project=where["project"],
        section=where["section"],
        item=where["item"],
        measure=where["measure"],
        page=where["page"],
    )
