"""Re-runs: unchanged files are kept, a corrected file replaces exactly its rows, --force and
--prune do what they say, worker count never changes the output, and a killed run leaves
every table whole."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, SEASON

from pipeline.run.ingest import ingest

TABLES = ("values", "documents", "findings", "rejects")
FILES = ["jiangcheng-wenlv-2023.docx", "jiangcheng-jiaotong-2023.docx", "yueyang-2024.docx"]


def _season(folder, files=FILES):
    folder.mkdir(parents=True, exist_ok=True)
    for name in files:
        shutil.copy(SEASON / name, folder / name)
    return folder


def _read(out, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / f"{name}.parquet")


def _without_time(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in ("extracted_at",) if c in frame]).reset_index(drop=True)


def _run_id(out, name: str) -> str:
    return pq.read_schema(out / f"{name}.parquet").metadata[b"run_id"].decode()


def test_an_unchanged_rerun_reads_nothing_and_writes_nothing(tmp_path):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    first = ingest(folder, out, workers=2)
    stamps = {n: (out / f"{n}.parquet").stat().st_mtime_ns for n in TABLES}
    again = ingest(folder, out, workers=2)
    assert again.kept == 3 and again.run_id is None
    assert {n: (out / f"{n}.parquet").stat().st_mtime_ns for n in TABLES} == stamps
    assert (again.files, again.values, again.findings) == (
        first.files,
        first.values,
        first.findings,
    )


def test_a_corrected_file_replaces_exactly_its_rows(tmp_path):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    ingest(folder, out, workers=2)
    before = {n: _read(out, n) for n in TABLES}
    # the department sends a corrected file, overwriting the old one in place
    target = "jiangcheng-wenlv-2023.docx"
    shutil.copy(SEASON / "jiangcheng-weijian-2024.docx", folder / target)
    summary = ingest(folder, out, workers=2)
    assert summary.kept == 2
    after = {n: _read(out, n) for n in TABLES}

    fresh_out = tmp_path / "fresh"
    ingest(_season(tmp_path / "fresh-in", ["jiangcheng-weijian-2024.docx"]), fresh_out, workers=1)
    fresh = _without_time(_read(fresh_out, "values")).drop(columns=["record_id", "source_path"])
    for name in TABLES:
        others_before = before[name][before[name].source_path != target]
        others_after = after[name][after[name].source_path != target]
        if name == "findings":  # duplicate findings are made afresh for the whole run
            others_before = others_before[others_before.rule != "duplicate_submission"]
            others_after = others_after[others_after.rule != "duplicate_submission"]
        pd.testing.assert_frame_equal(
            others_before.reset_index(drop=True), others_after.reset_index(drop=True)
        )
    replaced = after["values"][after["values"].source_path == target]
    assert replaced.record_id.is_unique and after["values"].record_id.is_unique
    assert set(replaced.unit) == {"江城市卫生健康委员会"}
    pd.testing.assert_frame_equal(
        _without_time(replaced).drop(columns=["record_id", "source_path", "source_sha256"]),
        fresh.drop(columns=["source_sha256"]),
    )
    docs = after["documents"].set_index("source_path")
    assert len(docs) == 3 and docs.index.is_unique
    assert (
        docs.loc[target, "source_sha256"]
        != before["documents"].set_index("source_path").loc[target, "source_sha256"]
    )
    assert list(after["documents"].source_path) == sorted(after["documents"].source_path)


def test_removed_files_stay_unless_pruned(tmp_path):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    ingest(folder, out, workers=2)
    (folder / "yueyang-2024.docx").unlink()
    ingest(folder, out, workers=2)
    assert "yueyang-2024.docx" in set(_read(out, "values").source_path)
    summary = ingest(folder, out, workers=2, prune=True)
    assert summary.files == 2
    for name in TABLES:
        assert "yueyang-2024.docx" not in set(_read(out, name).source_path)


def test_force_reads_everything_again(tmp_path):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    ingest(folder, out, workers=2)
    stamps = set(_read(out, "documents").extracted_at)
    summary = ingest(folder, out, workers=2, force=True)
    assert summary.kept == 0
    assert set(_read(out, "documents").extracted_at).isdisjoint(stamps)
    assert len({_run_id(out, n) for n in TABLES}) == 1


@pytest.mark.parametrize("workers", [2, 3])
def test_output_is_the_same_whatever_the_number_of_workers(tmp_path, workers):
    folder = _season(tmp_path / "in", [*FILES, "jiangcheng-wenlv-2023.pdf", "yueyang-2024.pdf"])
    ingest(folder, tmp_path / "one", workers=1)
    ingest(folder, tmp_path / "many", workers=workers)
    for name in TABLES:
        pd.testing.assert_frame_equal(
            _without_time(_read(tmp_path / "one", name)),
            _without_time(_read(tmp_path / "many", name)),
        )


def test_a_killed_run_leaves_every_table_whole(tmp_path):
    """SIGKILL a real ingest at several moments; every table is always readable, and the
    run after the kills gives what a clean run gives."""
    folder = _season(tmp_path / "in", [p.name for p in sorted(SEASON.iterdir())])
    out = tmp_path / "out"
    ingest(_season(tmp_path / "small", FILES[:1]), out, workers=1)  # an earlier, whole run
    command = [sys.executable, "-m", "pipeline", "ingest", str(folder), "--out", str(out)]
    for delay in (0.3, 1.0, 2.0, 3.5):
        process = subprocess.Popen(
            [*command, "--workers", "1", "--force", "--quiet"],
            cwd=ROOT,
            start_new_session=True,
        )
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for name in TABLES:
            table = pq.read_table(out / f"{name}.parquet")  # never half written
            assert table.schema.metadata[b"contract_version"] == b"3"
    ingest(folder, out, workers=2)
    clean = tmp_path / "clean"
    ingest(folder, clean, workers=2)
    for name in TABLES:
        pd.testing.assert_frame_equal(
            _without_time(_read(out, name)), _without_time(_read(clean, name))
        )
    assert not list(out.glob(".*.tmp")) and not list(out.glob(".commit.*"))


def test_an_unchanged_rerun_puts_back_views_a_killed_run_left_half_written(tmp_path):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    ingest(folder, out, workers=1)
    # as a run killed after committing its tables, while writing OUT/selfeval.duckdb aside
    (out / "selfeval.duckdb").unlink()
    (out / ".selfeval.duckdb.4242.tmp").write_bytes(b"half a database")
    summary = ingest(folder, out, workers=1)
    assert summary.kept == len(FILES)  # nothing read again
    assert (out / "selfeval.duckdb").exists()
    assert not list(out.glob(".*.tmp"))
    with duckdb.connect(str(out / "selfeval.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == len(FILES)
