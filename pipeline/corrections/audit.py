"""The corrections table's side of a run: what the last run recorded (to undo its corrections
on kept rows, to know what a line was first applied against, and which form-kind corrections
each file was read with), and a line's row of the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.corrections.lines import CorrectionLine
from pipeline.model import CorrectionRow
from pipeline.publish.store import read_rows, table_metadata

Row = dict[str, Any]
FINGERPRINT_KEY = "corrections_sha256"
VALUE_FIELDS = ("value_text", "value_num", "value_unit", "comparator")
SEPARATOR = ";"  # between the ids of correction_id


@dataclass(frozen=True)
class KindsRead:
    """The form-kind corrections a file was read with: asked of the reader, and applied."""

    asked: frozenset[tuple[str, int, str]] = frozenset()
    applied: frozenset[tuple[str, int, str]] = frozenset()

    def same_reading(self, now: frozenset[tuple[str, int, str]]) -> bool:
        """Would reading with `now` give what this reading gave? Yes when nothing is asked
        that was not asked then, and nothing applied then is no longer asked."""
        return now <= self.asked and self.applied <= now


@dataclass(frozen=True)
class Previous:
    """What the last run recorded of its corrections."""

    by_id: dict[str, Row] = field(default_factory=dict)
    fingerprint: str | None = None

    @classmethod
    def load(cls, out_dir: Path) -> Previous:
        rows = read_rows(out_dir, "corrections")
        # two lines alike share an id: the one that was applied speaks for it
        rows.sort(key=lambda r: r["status"] != "invalid")
        return cls(
            {r["correction_id"]: r for r in rows},
            table_metadata(out_dir, "corrections").get(FINGERPRINT_KEY),
        )

    def pinned(self, line: CorrectionLine) -> tuple[bool, str | None]:
        """(whether it was applied before, what the file said then)."""
        row = self.by_id.get(line.correction_id)
        if row is None or row["status"] not in ("applied", "stale"):
            return False, None
        return True, row["value_expected"]

    def kind_requests(self) -> dict[str, KindsRead]:
        """The form-kind corrections each file was last read with, and those it applied."""
        asked: dict[str, set[tuple[str, int, str]]] = {}
        applied: dict[str, set[tuple[str, int, str]]] = {}
        for r in self.by_id.values():
            if r["field"] == "form" and r["status"] != "invalid" and r["source_path"]:
                request = (r["form"], r["form_seq"] or 0, r["value_text"])
                asked.setdefault(r["source_path"], set()).add(request)
                if r["status"] == "applied":
                    applied.setdefault(r["source_path"], set()).add(request)
        return {
            rel: KindsRead(frozenset(requests), frozenset(applied.get(rel, ())))
            for rel, requests in asked.items()
        }

    def kind_row(self, rel: str, request: tuple[str, int, str]) -> Row | None:
        """The last run's outcome of a form-kind correction, by what it asked."""
        return next(
            (
                r
                for r in self.by_id.values()
                if r["field"] == "form"
                and r["status"] != "invalid"
                and r["source_path"] == rel
                and (r["form"], r["form_seq"] or 0, r["value_text"]) == request
            ),
            None,
        )

    def files(self) -> set[str]:
        """The files the last run's corrections applied to (or went stale on)."""
        return {
            r["source_path"]
            for r in self.by_id.values()
            if r["status"] in ("applied", "stale") and r["source_path"]
        }


def undo(row: Row, previous: dict[str, Row]) -> Row:
    """A kept row as the file says it: the last run's corrections taken back out."""
    ids = row.get("correction_id")
    if not ids:
        return {**row, "corrected": False, "correction_id": None}
    row = dict(row)
    kept = []  # a form's kind is corrected by the reader: the rows come that way
    for cid in ids.split(SEPARATOR):
        done = previous.get(cid)
        if done is None:
            continue
        if done["field"] == "form":
            kept.append(cid)
            continue
        if done["field"] == "value":
            row.update(
                value_text=done["value_before"],
                value_num=done["value_num_before"],
                value_unit=done["value_unit_before"],
                comparator=done["comparator_before"],
            )
        elif done["field"] == "fiscal_year":
            row["fiscal_year"] = None if done["value_before"] is None else int(done["value_before"])
        else:
            row[done["field"]] = done["value_before"]
    return {**row, "corrected": False, "correction_id": SEPARATOR.join(kept) or None}


def outcome(line: CorrectionLine, status: str, message: str | None, **found: Any) -> CorrectionRow:
    """A line's row of the corrections table."""
    row: dict[str, Any] = {
        "correction_id": line.correction_id,
        "line": line.line,
        "status": status,
        "message": message,
        "field": line.field,
        "record_id": line.record_id,
        "source_path": line.source_path,
        "form": line.form,
        "form_seq": line.form_seq,
        "project": line.project,
        "section": line.section,
        "item": line.item,
        "measure": line.measure,
        "value_in_file": None,
        "value_expected": None,
        "value_before": None,
        "value_num_before": None,
        "value_unit_before": None,
        "comparator_before": None,
        "corrected_value": line.value,
        "value_text": None,
        "value_num": None,
        "value_unit": None,
        "comparator": None,
        "rows": 0,
        "author": line.author,
        "reason": line.reason,
        "date": line.date,
    }
    row.update({k: v for k, v in found.items() if v is not None or k not in PLACE})
    return CorrectionRow(**row)


PLACE = ("record_id", "source_path", "form", "form_seq", "project", "section", "item", "measure")


def place_of(row: Row) -> dict[str, Any]:
    """A values row's place, as the corrections table names it."""
    return {k: row[k] for k in PLACE}
