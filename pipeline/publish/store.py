"""Writing the output tables as Parquet with explicit Arrow types and the contract version."""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import errno
import fcntl
import json
import logging
import os
import re
import typing
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.model import CorrectionRow, DocumentRow, FindingRow, Record, RejectRow

log = logging.getLogger(__name__)

CONTRACT_VERSION = "3"  # v3: corrections (table; corrected, correction_id in values)
_TS = pa.timestamp("us", tz="UTC")

# Arrow types of the fields that are not the default for their Python type (int → int32).
_ARROW = {int: pa.int32(), float: pa.float64(), str: pa.string(), datetime: _TS, bool: pa.bool_()}


def dataclass_schema(cls: type) -> pa.Schema:
    """The Arrow schema of a frozen output-row dataclass, from its fields' annotations, so the
    columns are stated once (`int | None` is a nullable int32 …)."""
    hints = typing.get_type_hints(cls)
    fields = []
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        args = [a for a in typing.get_args(kind) if a is not type(None)] or [kind]
        fields.append(pa.field(f.name, _ARROW[args[0]]))
    return pa.schema(fields)


VALUES_SCHEMA = dataclass_schema(Record)
REJECTS_SCHEMA = dataclass_schema(RejectRow)
DOCUMENTS_SCHEMA = dataclass_schema(DocumentRow)
FINDINGS_SCHEMA = dataclass_schema(FindingRow)
CORRECTIONS_SCHEMA = dataclass_schema(CorrectionRow)


TABLES = {
    "values": VALUES_SCHEMA,
    "documents": DOCUMENTS_SCHEMA,
    "findings": FINDINGS_SCHEMA,
    "rejects": REJECTS_SCHEMA,
    "corrections": CORRECTIONS_SCHEMA,
}
# the tables with rows per input file, kept in source_path order and carried over by re-runs;
# `corrections` has a row per line of the corrections file, in line order
FILE_TABLES = ("values", "documents", "findings", "rejects")


def rows_to_table(rows: Sequence[Any], schema: pa.Schema) -> pa.Table:
    """Output rows (frozen dataclasses of one kind) as an Arrow table of exactly `schema`,
    built column by column."""
    return pa.Table.from_pydict(
        {name: [getattr(row, name) for row in rows] for name in schema.names}, schema=schema
    )


ORDER = "source_path"  # every file table is written in source_path order, so runs can merge
LINE_ORDER = "line"  # the corrections table: in the corrections file's line order


def order_of(name: str) -> str:
    return ORDER if name in FILE_TABLES else LINE_ORDER


def _metadata(run_id: str, name: str) -> dict[str, str]:
    return {"contract_version": CONTRACT_VERSION, "run_id": run_id, "order": order_of(name)}


def is_mergeable(out_dir: Path) -> bool:
    """Were all the tables under `out_dir` written by a run of this contract version that keeps
    source_path order?"""
    for name in TABLES:
        path = table_path(out_dir, name)
        try:
            metadata = pq.read_schema(path).metadata or {}
        except (OSError, pa.ArrowException):
            return False
        if (
            metadata.get(b"order") != order_of(name).encode()
            or metadata.get(b"contract_version") != CONTRACT_VERSION.encode()
        ):
            return False
    return True


def table_path(out_dir: Path, name: str) -> Path:
    return out_dir / f"{name}.parquet"


class OutputError(Exception):
    """OUT cannot take this run: another run holds it, it cannot be written, or the disk is
    full. The message says so in words; the tables of the last run are whole."""


LOCK_NAME = ".selfeval.lock"


@contextlib.contextmanager
def out_lock(out_dir: Path) -> Iterator[None]:
    """Hold OUT for one run: a second run into the same OUT is refused while the first lives.
    A POSIX record lock, so it dies with the process that holds it (a run killed outright
    leaves nothing to clear) and is not inherited by forked workers."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = open(out_dir / LOCK_NAME, "a+", encoding="ascii")  # noqa: SIM115
    except OSError as exc:
        raise OutputError(write_failure(out_dir, exc)) from exc
    with handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip()
            raise OutputError(
                f"另一次运行正在写入 {out_dir}"
                + (f"（进程号 {holder}）" if holder.isdigit() else "")
                + "：请等它结束，或写入另一个文件夹"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                handle.seek(0)
                handle.truncate()


def write_failure(out_dir: Path, exc: BaseException) -> str:
    """What went wrong writing the tables under OUT, in words, and that the last run's tables
    are whole."""
    return f"{unwritable(out_dir, exc)}；上一次运行的表格保持原样"


def unwritable(out_dir: Path, exc: BaseException) -> str:
    """Why OUT could not be written, in words (the library's text goes to the debug log)."""
    log.debug("writing under %s failed: %r", out_dir, exc)
    code = getattr(exc, "errno", None)
    if code is None:
        said = re.search(r"errno (\d+)", str(exc), re.IGNORECASE)
        code = int(said.group(1)) if said else None
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"{out_dir} 所在的磁盘已满（请腾出空间后再运行）"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"无法写入 {out_dir}（只读，或没有写入权限）"
    return f"无法写入 {out_dir}（写入出错）"


class TableSink:
    """One table's rows streamed to a file beside the target, in row groups as they come,
    so a run never holds a whole table in memory. `commit_tables` swaps it in."""

    def __init__(
        self,
        name: str,
        out_dir: Path,
        run_id: str,
        group_rows: int = 10_000,
        metadata: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.schema = TABLES[name].with_metadata({**_metadata(run_id, name), **(metadata or {})})
        out_dir.mkdir(parents=True, exist_ok=True)
        self.tmp = out_dir / f".{name}.parquet.{run_id or os.getpid()}.tmp"
        self.target = table_path(out_dir, name)
        self._writer = pq.ParquetWriter(self.tmp, self.schema)
        self._pending: list[Any] = []
        self._group_rows = group_rows
        self.rows = 0

    def add_rows(self, rows: Sequence[Any]) -> None:
        """Output rows (the table's frozen dataclass), buffered into row groups."""
        self._pending.extend(rows)
        self.rows += len(rows)
        if len(self._pending) >= self._group_rows:
            self._flush()

    def add_table(self, table: pa.Table) -> None:
        """Rows already in Arrow form (kept from an earlier run), written as they are."""
        if table.num_rows:
            self._flush()
            self._writer.write_table(table.cast(self.schema))
            self.rows += table.num_rows

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(rows_to_table(self._pending, self.schema))
            self._pending = []

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def discard(self) -> None:
        """Give up this table: its file beside the target removed, the target untouched."""
        with contextlib.suppress(Exception):
            self._writer.close()
        self.tmp.unlink(missing_ok=True)


def commit_tables(sinks: list[TableSink], out_dir: Path, run_id: str) -> list[Path]:
    """Swap every finished table in. A manifest written first lets the next run finish the
    swap if this process is killed half way, so a run's tables end up together."""
    for sink in sinks:
        sink.close()
    manifest = out_dir / f".commit.{run_id or os.getpid()}.json"
    manifest.write_text(json.dumps([[s.tmp.name, s.target.name] for s in sinks]), encoding="utf-8")
    _fsync_dir(out_dir)
    finish_commits(out_dir)
    return [s.target for s in sinks]


def finish_commits(out_dir: Path) -> None:
    """Complete any swap a killed run left half done, and drop tables it left half written."""
    if not out_dir.is_dir():
        return
    for manifest in sorted(out_dir.glob(".commit.*.json")):
        try:
            moves = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            moves = []
        for tmp_name, target_name in moves:
            tmp = out_dir / tmp_name
            if tmp.exists():
                os.replace(tmp, out_dir / target_name)
        manifest.unlink(missing_ok=True)
    for stale in out_dir.glob(".*.parquet.*.tmp"):
        stale.unlink(missing_ok=True)
    _fsync_dir(out_dir)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class KeptRows:
    """A table written by an earlier run, read forward in its `source_path` order, so the rows
    of files that did not change can be carried into the new table without holding it all."""

    def __init__(self, path: Path, batch_rows: int = 20_000) -> None:
        self._batches = (
            pq.ParquetFile(path).iter_batches(batch_size=batch_rows) if path.exists() else iter(())
        )
        self._batch: pa.RecordBatch | None = None
        self._paths: list[str] = []
        self._at = 0

    def _next_batch(self) -> bool:
        self._batch = next(self._batches, None)
        self._at = 0
        self._paths = self._batch.column("source_path").to_pylist() if self._batch else []
        return self._batch is not None

    def take(self, source_path: str) -> list[pa.RecordBatch]:
        """The rows of `source_path`; rows of paths sorting before it are passed over."""
        taken: list[pa.RecordBatch] = []
        while True:
            exhausted = self._batch is None or self._at >= len(self._paths)
            if exhausted and not self._next_batch():
                return taken
            start = bisect.bisect_left(self._paths, source_path, lo=self._at)
            end = bisect.bisect_right(self._paths, source_path, lo=start)
            if end > start:
                taken.append(self._batch.slice(start, end - start))
            self._at = end
            if end < len(self._paths):  # the next path begins in this batch: done
                return taken


def table_rows(out_dir: Path, name: str) -> int:
    """How many rows a written table holds, from its footer alone."""
    try:
        return pq.read_metadata(table_path(out_dir, name)).num_rows
    except (OSError, pa.ArrowException):
        return 0


def read_documents(out_dir: Path) -> dict[str, dict[str, Any]]:
    """The documents table of the last run, by source_path (empty when there is none)."""
    path = table_path(out_dir, "documents")
    if not path.exists():
        return {}
    try:
        rows = pq.read_table(path).to_pylist()
    except (OSError, pa.ArrowException):
        return {}
    return {row["source_path"]: row for row in rows}


def table_metadata(out_dir: Path, name: str) -> dict[str, str]:
    """A written table's key-value metadata (empty when there is no table)."""
    try:
        metadata = pq.read_schema(table_path(out_dir, name)).metadata or {}
    except (OSError, pa.ArrowException):
        return {}
    return {k.decode(): v.decode() for k, v in metadata.items()}


def read_rows(out_dir: Path, name: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """A small written table's rows (the corrections table; an index's few columns)."""
    path = table_path(out_dir, name)
    if not path.exists():
        return []
    try:
        return pq.read_table(path, columns=columns).to_pylist()
    except (OSError, pa.ArrowException):
        return []
