"""The pipeline's core model: a form found in a document, the slots mapped from it, the
records written from them, and findings about them."""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from datetime import datetime

from extractors import Cell, Grid, TextLine
from pipeline.definitions import load_catalog


@dataclass(frozen=True)
class FormInstance:
    """One form recognised in a document: its title, tables and the text lines around them."""

    form: str
    form_seq: int
    title: str
    fiscal_year: int | None
    grids: tuple[Grid, ...]
    lines_before: tuple[TextLine, ...]  # between the title and the first table (单位：万元)
    lines_after: tuple[TextLine, ...]  # after the tables: notes, the 填表人 footer
    title_line: TextLine | None = None
    rival: str | None = None  # a form its evidence spoke for nearly as much (a close call)
    kind_scores: tuple[float, float] | None = None  # the evidence for its kind and its rival's


@dataclass(frozen=True)
class Slot:
    """A value slot of a form as mapped from its grid, before normalization."""

    section: str
    item: str
    measure: str
    value_raw: str
    item_parent: str | None = None
    level1: str | None = None
    level2: str | None = None
    default_unit: str | None = None
    numeric: bool = True
    is_date: bool = False
    parse_text: str | None = None  # what to read the number from, when not value_raw
    cell: Cell | None = None
    line: TextLine | None = None
    carries: str | None = None  # "unit", "project" or "unit_fallback"
    rests_on: float = 1.0  # the least confidence of the labels and headers naming it


@dataclass(frozen=True)
class Finding:
    """A data problem, with a stable rule id, pointing at the cell it is about."""

    rule: str
    severity: str  # "error" | "warning"
    message: str
    form: str | None = None
    form_seq: int | None = None
    project: str | None = None
    section: str | None = None
    item: str | None = None
    measure: str | None = None
    page: int | None = None
    expected: float | None = None
    actual: float | None = None
    source_path: str | None = None


@dataclass(frozen=True)
class Record:
    """One row of the `values` table, as the contract names its columns."""

    record_id: str
    source_path: str
    source_sha256: str
    source_format: str
    page: int | None
    form: str
    form_seq: int
    fiscal_year: int | None
    unit: str | None
    project: str | None
    section: str
    level1: str | None
    level2: str | None
    item: str
    item_parent: str | None
    measure: str
    value_raw: str
    value_text: str | None
    value_num: float | None
    value_unit: str | None
    comparator: str | None
    item_seq: int
    row: int | None
    col: int | None
    bbox_x0: float | None
    bbox_top: float | None
    bbox_x1: float | None
    bbox_bottom: float | None
    confidence: float
    extracted_at: datetime
    pipeline_version: str
    # contract v3: an analyst's correction (`pipeline/corrections/lines.py`) replaced what was read
    corrected: bool = False  # value_text, value_num, value_unit, comparator replaced
    # every correction applied to the row (its value, or its unit, project or year read from
    # the document), `;` between two or more
    correction_id: str | None = None


@dataclass(frozen=True)
class RejectRow(Record):
    """One row of the `rejects` table: a record that failed values.schema.json, and why."""

    error: str = field(kw_only=True)


def _document_row_class() -> type:
    """The `documents` row: what became of one input file, with one `n_<form>` count per form
    of the catalogue, in its order (no module names a form: the catalogue does)."""
    counts = [(f"n_{form}", int) for form in load_catalog().form_order]
    cls = make_dataclass(
        "DocumentRow",
        [
            ("source_path", str),
            ("source_sha256", str | None),
            ("source_format", str),
            ("status", str),  # "ok" | "no_forms" | "skipped" | "failed"
            ("error_code", str | None),
            ("error", str | None),
            *counts,
            ("n_values", int),
            ("pages", int | None),
            ("extracted_at", datetime),
            ("pipeline_version", str),
        ],
        frozen=True,
    )
    cls.__module__ = __name__  # so that a row pickles (to a worker, or back from a Ray task)
    cls.__doc__ = _document_row_class.__doc__
    return cls


DocumentRow = _document_row_class()


@dataclass(frozen=True)
class FindingRow:
    """One row of the `findings` table: a finding placed in its file."""

    source_path: str
    form: str | None
    form_seq: int | None
    project: str | None
    section: str | None
    item: str | None
    measure: str | None
    page: int | None
    rule: str
    severity: str
    message: str
    expected: float | None
    actual: float | None


@dataclass(frozen=True)
class CorrectionRow:
    """One row of the `corrections` table (contract v3): a line of the analyst's corrections
    file and what became of it."""

    correction_id: str  # stable hash of the line's target, 原值 and 更正值
    line: int  # its line number in the corrections file (the header is line 1)
    status: str  # "applied" | "stale" | "not_found" | "invalid"
    message: str | None  # why it is not applied, in words; null when applied
    field: str  # what it corrects: "value", "unit", "project", "fiscal_year"
    record_id: str | None  # the values row a value correction applies to
    source_path: str | None
    form: str | None
    form_seq: int | None
    project: str | None
    section: str | None
    item: str | None
    measure: str | None
    value_in_file: str | None  # what the file says there (value_raw; the unit … as read)
    value_expected: str | None  # what the line was written against: 原值, else the first
    value_before: str | None  # value_text (or the unit, project, year) before the correction
    value_num_before: float | None
    value_unit_before: str | None
    comparator_before: str | None
    corrected_value: str  # 更正值 as the analyst wrote it
    value_text: str | None  # 更正值 normalized as a read value would be
    value_num: float | None
    value_unit: str | None
    comparator: str | None
    rows: int  # values rows it changed
    author: str | None  # 更正人
    reason: str | None  # 原因
    date: str | None  # 日期, as written (2026-12-07 where it reads as a date)
