"""Corrections in an ingest run: each file's rows, read or kept, with the run's corrections
applied (`pipeline/corrections/apply.py`) before they are written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.corrections.apply import Applier
from pipeline.corrections.audit import Previous
from pipeline.corrections.lines import Corrections
from pipeline.definitions import load_catalog
from pipeline.model import Record
from pipeline.publish.store import TABLES, read_rows, rows_to_table
from pipeline.run.results import FileResult


def applier_for(corrections: Corrections, previous: Previous, out_dir: Path) -> Applier:
    """The run's corrections, with the last run's (to undo them) and, where a line names its
    value by record_id alone, which file of the last run holds each record_id."""
    record_files: dict[str, str] = {}
    if any(line.record_id and not line.source_path for line in corrections.lines):
        rows = read_rows(out_dir, "values", columns=["record_id", "source_path"])
        record_files = {r["record_id"]: r["source_path"] for r in rows}
    return Applier(corrections, previous, load_catalog(), record_files)


def corrected(rel: str, result: FileResult, applier: Applier) -> FileResult:
    """A file just read, with the corrections that name it applied (the rules run again)."""
    if not applier.may_touch(rel):  # the usual case: no line for it, its rows as read
        return result
    rows = [dict(r.__dict__) for r in result.values]
    if not applier.touches(rel, rows):
        return result
    findings = [dict(f.__dict__) for f in result.findings]
    rows, new_findings = applier.apply(rel, rows, findings, result.relabelled)
    return replace(result, values=tuple(Record(**r) for r in rows), findings=tuple(new_findings))


def corrected_kept(
    rel: str, carried: dict[str, list[pa.RecordBatch]], applier: Applier
) -> dict[str, list[pa.RecordBatch]]:
    """A kept file's rows with this run's corrections in place of the last run's."""
    rows = [r for b in carried["values"] for r in b.to_pylist()]
    if not applier.touches(rel, rows):
        return carried
    findings = [r for b in carried["findings"] for r in b.to_pylist()]
    rows, new_findings = applier.apply(rel, rows, findings)
    return {
        **carried,
        "values": _batches([Record(**r) for r in rows], "values"),
        "findings": _batches(new_findings, "findings"),
    }


def _batches(rows: Sequence[Any], name: str) -> list[pa.RecordBatch]:
    return rows_to_table(rows, TABLES[name]).to_batches() if rows else []


def withdrawn(applier: Applier) -> int:
    """The last run's applied corrections that are no line of this run's file."""
    now = {line.correction_id for line in applier.corrections.lines}
    return sum(
        1
        for cid, row in applier.previous.by_id.items()
        if row["status"] == "applied" and cid not in now
    )
