"""A run and its processes: workers end with the ingest that forked them (SIGKILL included), one
run at a time writes an OUT (a second is refused in words), and an OUT that cannot be written or
a full disk end the run in words, exit status 1, with the last run's tables whole."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT, SEASON

from pipeline.cli import main
from pipeline.publish.store import LOCK_NAME, TABLES

GOOD = SEASON / "jiangcheng-wenlv-2023.docx"

# an ingest whose reader takes a minute per file: its workers are busy when it is killed
SLOW_INGEST = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import pipeline.run.ingest
    import pipeline.run.read

    def slow(path, *options):
        time.sleep(60)

    pipeline.run.read.extract = slow
    pipeline.run.ingest.ingest(Path(sys.argv[1]), Path(sys.argv[2]), workers=2)
    """
)


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text()
        found |= {int(p) for p in text.split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def slow_run(tmp_path):
    """A slow ingest in a process of its own, once both its workers are reading."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.docx", "b.docx"):
        shutil.copy(GOOD, folder / name)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_INGEST, str(folder), str(out)],  # imports from ROOT
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(_children(process.pid)) < 2:
        assert time.monotonic() < deadline, "the workers never started"
        assert process.poll() is None
        time.sleep(0.1)
    yield process, folder, out
    if process.poll() is None:
        process.kill()
        process.wait()


def test_workers_end_when_their_ingest_is_killed(slow_run):
    process, _, _ = slow_run
    workers = _children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for pid in left:  # what the test itself started is not left behind
        os.kill(pid, signal.SIGKILL)
    assert not left


def test_a_second_run_into_the_same_out_is_refused(slow_run, tmp_path, capsys):
    _, _, out = slow_run
    other = tmp_path / "other-in"
    other.mkdir()
    shutil.copy(GOOD, other / "c.docx")
    assert main(["ingest", str(other), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "另一次运行正在写入" in err and str(out) in err
    assert not list(out.glob("*.parquet"))  # the second wrote nothing
    assert list(out.glob(".*.parquet.*.tmp"))  # and left the first's tables being written alone


def test_the_lock_dies_with_the_run(slow_run, tmp_path):
    process, folder, out = slow_run
    process.kill()
    process.wait()
    assert (out / LOCK_NAME).exists()
    assert main(["ingest", str(folder), "--out", str(out), "--quiet"]) == 0


def _digests(out: Path) -> dict[str, str]:
    return {n: hashlib.sha256((out / f"{n}.parquet").read_bytes()).hexdigest() for n in TABLES}


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.ENOSPC, "所在的磁盘已满"), (errno.EROFS, "（只读，或没有写入权限）")],
    ids=["disk-full", "read-only"],
)
def test_an_out_that_cannot_be_written_is_said_in_words(tmp_path, monkeypatch, capsys, code, words):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(GOOD, folder / "a.docx")
    out = tmp_path / "out"
    assert main(["ingest", str(folder), "--out", str(out), "--quiet"]) == 0
    before = _digests(out)

    def refuse(self, *args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(pq.ParquetWriter, "write_table", refuse)
    assert main(["ingest", str(folder), "--out", str(out), "--quiet", "--force"]) == 1
    err = capsys.readouterr().err
    assert words in err and "上一次运行的表格保持原样" in err
    assert "Traceback" not in err and "Errno" not in err
    assert _digests(out) == before  # the last run's tables whole
    assert not list(out.glob(".*.parquet.*.tmp"))  # nothing half written left behind


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_out_is_said_in_words(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(GOOD, folder / "a.docx")
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o500)
    try:
        assert main(["ingest", str(folder), "--out", str(out), "--quiet"]) == 1
    finally:
        out.chmod(0o700)
    assert "cannot be written to" in capsys.readouterr().err


def test_a_fault_of_the_pipeline_is_told_in_words_and_logged(tmp_path, monkeypatch):
    import pipeline.run.read

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(GOOD, folder / "a.docx")

    def broken(path, *options):
        raise IndexError("list index out of range")

    monkeypatch.setattr(pipeline.run.read, "extract", broken)
    out = tmp_path / "out"
    assert main(["ingest", str(folder), "--out", str(out), "--quiet"]) == 1
    row = pq.read_table(out / "documents.parquet").to_pylist()[0]
    assert row["error_code"] == "internal_error"
    assert "a.docx" in row["error"] and "IndexError" not in row["error"]
    log = (out / "debug.log").read_text(encoding="utf-8")
    assert "IndexError: list index out of range" in log and "a.docx" in log


def test_a_fault_of_the_mapping_on_one_form_leaves_the_others_read(tmp_path, monkeypatch):
    import pipeline.run.read

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(GOOD, folder / "a.docx")
    real = pipeline.run.read.form_to_slots

    def broken_on_dept(form, catalog):
        if form.form == "dept_eval":
            raise IndexError("list index out of range")
        return real(form, catalog)

    monkeypatch.setattr(pipeline.run.read, "form_to_slots", broken_on_dept)
    out = tmp_path / "out"
    main(["ingest", str(folder), "--out", str(out), "--quiet"])
    document = pq.read_table(out / "documents.parquet").to_pylist()[0]
    assert document["status"] == "ok" and document["error_code"] is None
    values = pq.read_table(out / "values.parquet").to_pandas()
    assert "dept_eval" not in set(values.form)
    assert set(values.form) == {"base_data"}  # the file's other form, read
    findings = pq.read_table(out / "findings.parquet").to_pandas()
    (unread,) = findings[findings.rule == "unread_form"].itertuples()
    assert unread.form == "dept_eval" and unread.page is not None
    assert "部门整体支出绩效自评表" in unread.message and "未能读出" in unread.message
    assert "IndexError" not in unread.message
    assert "IndexError: list index out of range" in (out / "debug.log").read_text("utf-8")
