"""A run's tables: the plan (what is read again, what is kept), the rows of each file as it is
read written in source_path order beside the kept rows of unchanged files, the run-level
findings after them, all committed together; and the summary the command line prints.

An OUT that cannot take the tables (read-only, a full disk) ends the run with an OutputError
that says so; the half-written tables are removed and the last run's stay whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from extractors import preload_ocr
from pipeline.checks.duplicates import (
    CELL_FIELDS,
    SUBMISSION_KEY_FIELDS,
    VALUE_FIELDS,
    cells_by_copy,
    differing_copies,
    duplicate_submissions,
    submission_keys,
    submissions,
)
from pipeline.corrections.apply import Applier
from pipeline.corrections.audit import FINGERPRINT_KEY
from pipeline.corrections.run import corrected, corrected_kept, withdrawn
from pipeline.definitions import load_catalog
from pipeline.model import CorrectionRow, Record
from pipeline.publish.store import (
    FILE_TABLES,
    KeptRows,
    OutputError,
    TableSink,
    commit_tables,
    read_documents,
    read_rows,
    table_path,
    table_rows,
    unwritable,
    write_failure,
)
from pipeline.publish.views import write_views
from pipeline.run.plan import Plan
from pipeline.run.results import FileResult, document_from_dict, failed_result, finding_row
from pipeline.run.sources import Source
from pipeline.run.workers import Failure


@dataclass
class RunSummary:
    files: int = 0
    ok: int = 0
    no_forms: int = 0
    skipped: int = 0
    failed: int = 0
    forms: int = 0
    values: int = 0
    rejects: int = 0
    findings: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    kept: int = 0  # files whose rows were carried over unchanged from the last run
    dropped: int = 0  # files gone from IN whose rows --prune removed
    run_id: str | None = None
    corrections: list[CorrectionRow] = field(default_factory=list)  # every line's outcome
    corrections_blank: int = 0  # lines with no 更正值, passed over
    corrections_withdrawn: int = 0  # the last run's applied corrections this run has not

    def add(self, result: FileResult) -> None:
        doc = result.document
        self.files += 1
        status = doc.status
        setattr(self, status, getattr(self, status) + 1)
        self.forms += sum(getattr(doc, f"n_{form}") for form in load_catalog().form_order)
        self.values += len(result.values)
        self.rejects += len(result.rejects)
        self.findings += len(result.findings)
        if status == "failed":
            self.failures.append((doc.source_path, doc.error or ""))

    def add_kept(self, carried: dict[str, list[pa.RecordBatch]]) -> None:
        """Count a file carried over from the last run, from its kept rows."""
        for doc in (r for b in carried["documents"] for r in b.to_pylist()):
            self.add(FileResult(document=document_from_dict(doc)))
        self.values += sum(b.num_rows for b in carried["values"])
        self.rejects += sum(b.num_rows for b in carried["rejects"])
        self.findings += sum(b.num_rows for b in carried["findings"])

    def add_previous(self, out_dir: Path) -> None:
        """Count an unchanged run from the last run's tables, without reading their rows."""
        for doc in read_documents(out_dir).values():
            self.add(FileResult(document=document_from_dict(doc)))
        self.values = table_rows(out_dir, "values")
        self.rejects = table_rows(out_dir, "rejects")
        self.findings = table_rows(out_dir, "findings")
        self.corrections = [CorrectionRow(**r) for r in read_rows(out_dir, "corrections")]

    def correction_counts(self) -> dict[str, int]:
        """How many lines of the corrections file ended in each status."""
        counts = {"applied": 0, "stale": 0, "not_found": 0, "invalid": 0}
        for row in self.corrections:
            counts[row.status] += 1
        return counts


# what the run-level rules read of a file's records (duplicates.submission_keys)
KEY_FIELDS = tuple(dict.fromkeys((*SUBMISSION_KEY_FIELDS, *CELL_FIELDS, *VALUE_FIELDS)))
# the rules run over the whole run: their findings are made afresh by every run
RUN_RULES = ("duplicate_submission", "duplicate_differs")


def _record_keys(records: Sequence[Record]) -> list[dict[str, Any]]:
    """What the run-level rules need of a file's records."""
    return [{k: getattr(r, k) for k in KEY_FIELDS} for r in records]


def _read_cells(values: Path) -> Callable[[set[tuple[str, str, int]]], dict]:
    """Reads the cells of a few copies back from the values table this run has written."""

    def read(wanted: set[tuple[str, str, int]]) -> dict:
        paths = sorted({path for path, _, _ in wanted})
        table = pq.read_table(
            values,
            columns=["source_path", "form", "form_seq", *CELL_FIELDS, *VALUE_FIELDS],
            filters=[("source_path", "in", paths)],
        )
        return cells_by_copy(table.to_pylist(), wanted)

    return read


def write_run(
    plan: Plan,
    out_dir: Path,
    results: Iterator[tuple[int, Source, FileResult | Failure]],
    now: datetime,
    summary: RunSummary,
    on_file: Callable[[FileResult, int, int], None] | None,
    applier: Applier,
    preload_scans: bool,
) -> RunSummary:
    """The files' results, as they come, written in source_path order into new tables beside
    the kept rows of unchanged files, each file's corrections applied; the run-level findings
    after them, and the corrections table; all committed."""
    run_id = uuid.uuid4().hex
    sinks: dict[str, TableSink] = {}
    try:
        for name in FILE_TABLES:
            sinks[name] = TableSink(name, out_dir, run_id)
        fingerprint = {FINGERPRINT_KEY: applier.corrections.fingerprint}
        sinks["corrections"] = TableSink("corrections", out_dir, run_id, metadata=fingerprint)
        _write_tables(plan, out_dir, results, now, summary, on_file, applier, preload_scans, sinks)
        commit_tables(list(sinks.values()), out_dir, run_id)
    except OSError as exc:  # a read-only OUT, a full disk: the last run's tables stay whole
        for sink in sinks.values():
            sink.discard()
        close = getattr(results, "close", None)
        if close is not None:
            close()  # the workers stopped
        raise OutputError(write_failure(out_dir, exc)) from exc
    views_or_say(write_views, out_dir)  # OUT/selfeval.duckdb: BI views over the new tables
    summary.run_id = run_id
    return summary


def views_or_say(write: Callable[[Path], Any], out_dir: Path) -> None:
    """Write the BI views; if OUT cannot take them, say so (the tables are committed)."""
    import duckdb

    try:
        write(out_dir)
    except (OSError, duckdb.Error) as exc:
        raise OutputError(
            f"表格已写入，但 selfeval.duckdb 没有写入：{unwritable(out_dir, exc)}"
        ) from exc


def _write_tables(
    plan: Plan,
    out_dir: Path,
    results: Iterator[tuple[int, Source, FileResult | Failure]],
    now: datetime,
    summary: RunSummary,
    on_file: Callable[[FileResult, int, int], None] | None,
    applier: Applier,
    preload_scans: bool,
    sinks: dict[str, TableSink],
) -> None:
    """Every file's rows, corrected, into the sinks in source_path order; the run-level
    findings and the corrections' outcome last."""
    order = plan.order
    waiting: dict[str, FileResult] = {}
    kept = {name: KeptRows(table_path(out_dir, name)) for name in FILE_TABLES}
    touched = applier.files()
    sent: list[tuple[str, list[dict[str, Any]]]] = []
    finished = 0
    for rel in order:
        if rel in plan.read:
            while rel not in waiting:
                _, done, outcome = next(results)
                if isinstance(outcome, Failure):
                    outcome = failed_result(done, outcome, now)
                elif preload_scans and outcome.document.source_format == "pdf_scan":
                    preload_ocr()  # the workers forked from now on start with it (imported once)
                waiting[done.rel] = outcome
                finished += 1
                if on_file is not None:
                    on_file(outcome, finished, len(plan.read))
            result = corrected(rel, waiting.pop(rel), applier)
            for name in FILE_TABLES:
                sinks[name].add_rows(result.rows(name))
            summary.add(result)
            sent.append((rel, submission_keys(_record_keys(result.values))))
        else:
            carried = {name: kept[name].take(rel) for name in FILE_TABLES}
            # run-level findings are made afresh below
            carried["findings"] = [
                b.filter(pc.invert(pc.is_in(b["rule"], pa.array(RUN_RULES))))
                for b in carried["findings"]
            ]
            if rel in touched:
                carried = corrected_kept(rel, carried, applier)
            for name, batches in carried.items():
                for batch in batches:
                    sinks[name].add_table(pa.Table.from_batches([batch]))
            keys = [r for b in carried["values"] for r in b.select(KEY_FIELDS).to_pylist()]
            sent.append((rel, submission_keys(keys)))
            summary.add_kept(carried)
    sinks["values"].close()  # complete, so the cells of copies that differ can be read back
    copies = submissions(sent)
    run_findings = duplicate_submissions(copies)
    run_findings += differing_copies(copies, _read_cells(sinks["values"].tmp))
    sinks["findings"].add_rows(
        [finding_row(f, f.source_path or "", f.project) for f in run_findings]
    )
    summary.findings += len(run_findings)
    summary.corrections = applier.rows()
    sinks["corrections"].add_rows(summary.corrections)
    summary.corrections_withdrawn = withdrawn(applier)
