"""--executor ray: the same tables as the local workers, on a local Ray instance and on a
two-node cluster; a task killed or overdue fails its file alone; an unchanged re-run reads
nothing."""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import FIXTURES, SEASON

from pipeline.cli import EXIT_OK, EXIT_USAGE, main
from pipeline.run.ingest import ingest
from pipeline.run.workers import Failure, Limits

ray = pytest.importorskip("ray")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

TABLES = ("values", "documents", "findings", "rejects")
RAY_ARGS = {"include_dashboard": False, "log_to_driver": False, "object_store_memory": 150 * 2**20}
# a time limit the good files of these tests finish well within even on a loaded machine, and
# the slow file (60 s asleep) never does
OVERDUE = 15
# a season none of the other fixtures' runs use: saved pages (one Excel workbook saved as a
# page with its x.files/ folder), a web archive, a bundle, legacy and hostile files, a scan
UNSEEN = [
    "web/jiangcheng-jiaotong-2023.htm",
    "web/jiangcheng-jiaotong-2023.files",
    "web/jiangcheng-weijian-2024.mht",
    "variants/bundle.zip",
    "variants/report-embedded.docx",
    "variants/split-tables.pdf",
    "variants/wording-variants.docx",
    "hostile/encrypted.pdf",
    "hostile/not-a-zip.docx",
    "hostile/truncated.xlsx",
    "hostile/notes.txt",
    "scans/yueyang-2024-p1-4-scan.pdf",
]


def _faults() -> None:
    """In each Ray worker (a setup hook): a file named *-killed.docx kills its worker mid-read,
    one named *-slow.docx never ends. Defined inside a function so Ray ships it by value."""

    def hook() -> None:
        import os
        import signal
        import time

        import pipeline.run.read

        real = pipeline.run.read.extract

        def extract(path, *args, **kwargs):
            if path.name.endswith("-killed.docx"):
                os.kill(os.getpid(), signal.SIGKILL)
            if path.name.endswith("-slow.docx"):
                if marker := os.environ.get("SELFEVAL_TEST_STARTED"):
                    open(marker, "w").close()  # the test waits for it
                time.sleep(60)
            return real(path, *args, **kwargs)

        pipeline.run.read.extract = extract

    return hook


def _copy(names, folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = FIXTURES / name
        if source.is_dir():
            shutil.copytree(source, folder / source.name)
        else:
            shutil.copy(source, folder / source.name)
    return folder


def _season(folder, names=None):
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(SEASON.iterdir()) if names is None else [SEASON / n for n in names]:
        shutil.copy(path, folder / path.name)
    return folder


def _batch_run(tmp_path, names, limits) -> dict:
    """Each of `names` (a copy of a season file of its format) read by run_ray_jobs in one
    batch of one task, as (name → FileResult or Failure); every file comes back once."""
    from datetime import UTC, datetime

    from pipeline.run.executor_ray import run_ray_jobs
    from pipeline.run.sources import discover_sources

    folder = tmp_path / "in"
    folder.mkdir()
    for name in names:
        shutil.copy(SEASON / f"yueyang-2024{os.path.splitext(name)[1]}", folder / name)
    sources = discover_sources(folder)
    now = datetime.now(UTC)
    done = list(run_ray_jobs(sources, limits, now, workers=1, batch=len(names)))
    assert sorted(i for i, _, _ in done) == list(range(len(names)))
    return {source.rel: outcome for _, source, outcome in done}


def _tables(out) -> dict[str, pd.DataFrame]:
    """The four tables, without extracted_at (the time of each run, the one run-specific
    column)."""
    tables = {}
    for name in TABLES:
        frame = pd.read_parquet(out / f"{name}.parquet")
        tables[name] = frame.drop(columns=["extracted_at"], errors="ignore")
    return tables


def assert_same_tables(left, right) -> None:
    for name in TABLES:
        assert (
            pq.read_schema(left / f"{name}.parquet").remove_metadata()
            == pq.read_schema(right / f"{name}.parquet").remove_metadata()
        )
    a, b = _tables(left), _tables(right)
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


@pytest.fixture(scope="class")
def local_ray():
    """A local Ray instance of 2 CPUs, its workers with the test faults, shut down after."""
    ray.init(num_cpus=2, runtime_env={"worker_process_setup_hook": _faults()}, **RAY_ARGS)
    yield
    ray.shutdown()


@pytest.mark.usefixtures("local_ray")
class TestLocalRayInstance:
    """One local Ray instance for these tests (the two-node cluster's test comes after)."""

    def test_the_fixture_season_gives_the_local_tables(self, tmp_path):
        folder = _season(tmp_path / "in")
        local = ingest(folder, tmp_path / "local", workers=2)
        remote = ingest(folder, tmp_path / "ray", executor="ray")
        assert remote.files == local.files == 20 and remote.failed == local.failed == 0
        assert remote.values == local.values > 0
        assert_same_tables(tmp_path / "local", tmp_path / "ray")

    def test_an_unseen_season_gives_the_local_tables(self, tmp_path):
        folder = _copy(UNSEEN, tmp_path / "in")
        (folder / "damaged.zip").write_bytes(b"PK\x03\x04 not the rest of a bundle")
        local = ingest(folder, tmp_path / "local", workers=2)
        remote = ingest(folder, tmp_path / "ray", executor="ray")
        assert (remote.ok, remote.failed, remote.skipped) == (local.ok, local.failed, local.skipped)
        assert local.ok >= 6 and local.failed >= 3
        documents = _tables(tmp_path / "ray")["documents"].set_index("source_path")
        # the saved workbook page was read with its x.files/ folder, the bundle's members unpacked
        assert documents.loc["jiangcheng-jiaotong-2023.htm"].status == "ok"
        assert any(p.startswith("bundle.zip/") for p in documents.index)
        assert documents.loc["damaged.zip"].error_code == "corrupt"
        assert_same_tables(tmp_path / "local", tmp_path / "ray")

    def test_re_runs_give_the_local_tables_and_an_unchanged_one_reads_nothing(self, tmp_path):
        names = ["jiangcheng-wenlv-2023.docx", "yueyang-2024.pdf", "jiangcheng-jiaoyu-2024.xlsx"]
        for executor in ("local", "ray"):
            folder, out = _season(tmp_path / f"in-{executor}", names), tmp_path / executor
            ingest(folder, out, executor=executor)
            stamps = {n: (out / f"{n}.parquet").stat().st_mtime_ns for n in TABLES}
            again = ingest(folder, out, executor=executor)
            assert again.kept == 3 and again.run_id is None and again.files == 3
            assert {n: (out / f"{n}.parquet").stat().st_mtime_ns for n in TABLES} == stamps
            # a corrected file replaces its rows; a new one is added; the rest are kept
            shutil.copy(SEASON / "jiangcheng-weijian-2024.docx", folder / names[0])
            shutil.copy(SEASON / "yueyang-2024.html", folder / "yueyang-2024.html")
            summary = ingest(folder, out, executor=executor)
            assert summary.kept == 2 and summary.files == 4
        assert_same_tables(tmp_path / "local", tmp_path / "ray")

    def test_a_task_killed_mid_file_fails_that_file_alone(self, tmp_path):
        folder = _season(tmp_path / "in", ["jiangcheng-wenlv-2023.docx", "yueyang-2024.docx"])
        shutil.copy(SEASON / "yueyang-2024.docx", folder / "b-killed.docx")
        summary = ingest(folder, tmp_path / "out", executor="ray")
        assert (summary.files, summary.ok, summary.failed) == (3, 2, 1)
        documents = _tables(tmp_path / "out")["documents"].set_index("source_path")
        bad = documents.loc["b-killed.docx"]
        assert (bad.status, bad.error_code) == ("failed", "crashed")
        assert "b-killed.docx" in bad.error and "读取程序在此文件上崩溃" in bad.error
        values = _tables(tmp_path / "out")["values"]
        assert set(values.source_path) == {"jiangcheng-wenlv-2023.docx", "yueyang-2024.docx"}

    def test_a_task_past_the_time_limit_fails_that_file_alone(self, tmp_path):
        folder = _season(tmp_path / "in", ["jiangcheng-wenlv-2023.docx"])
        shutil.copy(SEASON / "yueyang-2024.docx", folder / "b-slow.docx")
        summary = ingest(folder, tmp_path / "out", executor="ray", limits=Limits(timeout=OVERDUE))
        assert (summary.ok, summary.failed) == (1, 1)
        bad = _tables(tmp_path / "out")["documents"].set_index("source_path").loc["b-slow.docx"]
        assert (bad.status, bad.error_code) == ("failed", "timeout")
        assert bad.error == f"b-slow.docx：读取超过了每个文件允许的 {OVERDUE} 秒"

    def test_a_batch_whose_task_is_killed_fails_that_file_and_the_rest_are_read(self, tmp_path):
        # one task for all five files (batch 5, one slot): the third kills its worker
        names = ["a.docx", "b.docx", "c-killed.docx", "d.docx", "e.pdf"]
        outcomes = _batch_run(tmp_path, names, Limits())
        assert isinstance(outcomes["c-killed.docx"], Failure)
        assert outcomes["c-killed.docx"].code == "crashed"
        for name in ("a.docx", "b.docx", "d.docx", "e.pdf"):  # before it, and after it
            assert outcomes[name].document.status == "ok", name
            assert outcomes[name].document.n_values > 0

    def test_a_batch_with_an_overdue_file_fails_it_alone(self, tmp_path):
        names = ["a.docx", "b-slow.docx", "c.docx", "d.pdf"]
        outcomes = _batch_run(tmp_path, names, Limits(timeout=OVERDUE))
        assert outcomes["b-slow.docx"] == Failure(
            "timeout", f"读取超过了每个文件允许的 {OVERDUE} 秒"
        )
        for name in ("a.docx", "c.docx", "d.pdf"):
            assert outcomes[name].document.status == "ok", name

    def test_the_command_line_runs_on_ray(self, tmp_path, capsys):
        folder = _season(tmp_path / "in", ["yueyang-2024.docx", "yueyang-2024.pdf"])
        code = main(["ingest", str(folder), "--out", str(tmp_path / "out"), "--executor", "ray"])
        assert code == EXIT_OK
        assert "文件 2 个：读出表格 2" in capsys.readouterr().out


def test_a_ray_address_needs_the_ray_executor(tmp_path, capsys):
    folder = _season(tmp_path / "in", ["yueyang-2024.docx"])
    argv = ["ingest", str(folder), "--out", str(tmp_path / "out"), "--ray-address", "auto"]
    assert main(argv) == EXIT_USAGE
    assert "--ray-address 需要与 --executor ray 一起使用" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_node_of_another_version_stops_the_run():
    import dataclasses
    from datetime import UTC, datetime

    from pipeline.run.executor_ray import NodeVersionError, checked_version
    from pipeline.run.results import FileResult, document_row

    ours = FileResult(document_row("a.docx", "0" * 64, "docx", "ok", datetime.now(UTC)))
    assert checked_version(ours) is ours
    theirs = dataclasses.replace(ours.document, pipeline_version="0.0.1")
    with pytest.raises(NodeVersionError, match=r"selfeval 0\.0\.1"):
        checked_version(FileResult(theirs))


def test_ray_errors_name_what_became_of_the_file():
    from pipeline.run.executor_ray import failure_of

    assert failure_of(ray.exceptions.OutOfMemoryError("node full")).code == "memory"
    assert failure_of(ray.exceptions.NodeDiedError("node 1 died")).code == "node_lost"
    assert failure_of(ray.exceptions.WorkerCrashedError()).code == "crashed"
    assert failure_of(RuntimeError("what")).code == "crashed"


def test_a_two_node_cluster_gives_the_local_tables(tmp_path):
    from ray.cluster_utils import Cluster

    node = {"num_cpus": 1, "object_store_memory": 100 * 2**20}
    cluster = Cluster(initialize_head=True, head_node_args={**node, "include_dashboard": False})
    try:
        cluster.add_node(**node)
        ray.init(address=cluster.address, log_to_driver=False)
        cluster.wait_for_nodes()
        assert sum(1 for n in ray.nodes() if n["Alive"]) == 2
        folder = _season(tmp_path / "in")
        ingest(folder, tmp_path / "local", workers=2)
        remote = ingest(folder, tmp_path / "ray", executor="ray")
        assert remote.files == 20 and remote.failed == 0
        assert_same_tables(tmp_path / "local", tmp_path / "ray")
    finally:
        ray.shutdown()
        cluster.shutdown()


def test_a_task_whose_node_is_lost_fails_that_file_alone(tmp_path):
    import threading
    import time

    from ray.cluster_utils import Cluster

    folder = _season(tmp_path / "in", ["jiangcheng-wenlv-2023.docx"])
    shutil.copy(SEASON / "yueyang-2024.docx", folder / "b-slow.docx")
    started = tmp_path / "started"  # the slow read says it has begun
    store = {"object_store_memory": 100 * 2**20}
    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False, **store}
    )
    try:
        worker = cluster.add_node(num_cpus=2, **store)  # the head reads nothing: this node all
        env = {
            "worker_process_setup_hook": _faults(),
            "env_vars": {"SELFEVAL_TEST_STARTED": str(started)},
        }
        ray.init(address=cluster.address, log_to_driver=False, runtime_env=env)
        cluster.wait_for_nodes()
        done = {}
        run = threading.Thread(
            target=lambda: done.setdefault(
                "summary", ingest(folder, tmp_path / "out", executor="ray")
            )
        )
        run.start()
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert started.exists()
        time.sleep(1)
        cluster.remove_node(worker)  # the node goes, with the task on it
        cluster.add_node(num_cpus=1, **store)
        run.join(timeout=60)
        assert not run.is_alive()
        assert (done["summary"].ok, done["summary"].failed) == (1, 1)
        documents = _tables(tmp_path / "out")["documents"].set_index("source_path")
        bad = documents.loc["b-slow.docx"]
        assert (bad.status, bad.error_code) == ("failed", "node_lost")
        assert bad.error == "b-slow.docx：读取此文件的计算节点失去联系，请重新读取"
        assert documents.loc["jiangcheng-wenlv-2023.docx"].status == "ok"
        # a re-run reads the file again (its bytes were never at fault); here it is overdue
        again = ingest(folder, tmp_path / "out", executor="ray", limits=Limits(timeout=2))
        assert (again.kept, again.failed) == (1, 1)
        documents = _tables(tmp_path / "out")["documents"].set_index("source_path")
        assert documents.loc["b-slow.docx"].error_code == "timeout"
    finally:
        ray.shutdown()
        cluster.shutdown()


def test_a_batch_shrinks_as_the_run_nears_its_end():
    from pipeline.run.executor_ray import MAX_BATCH, batch_size

    assert batch_size(10_000, 16) == MAX_BATCH
    assert batch_size(200, 2) == MAX_BATCH
    assert batch_size(24, 2) == 3  # 24 files left for 2 slots, 2 tasks each
    assert batch_size(7, 2) == 1 and batch_size(0, 2) == 1


def test_a_batch_takes_the_costliest_files_inside_the_window_and_no_more_bytes():
    from pathlib import Path

    from pipeline.run.executor_ray import BATCH_BYTES, _pick_batch
    from pipeline.run.sources import Source

    sizes = [10, 50, 30, 900, 40, 70]
    pending = [(i, Source(f"{i}.docx", Path(f"{i}.docx"), size=n)) for i, n in enumerate(sizes)]
    picked = _pick_batch(pending, 0, 3, 2, lambda s: s.size)
    assert [i for i, _ in picked] == [1, 2]  # the window is files 0-2: 900 is past it
    assert [i for i, _ in pending] == [0, 3, 4, 5]
    picked = _pick_batch(pending, 0, 10, 8, None)  # no cost: in order
    assert [i for i, _ in picked] == [0, 3, 4, 5] and pending == []
    big = [(i, Source(f"{i}.pdf", Path(f"{i}.pdf"), size=BATCH_BYTES // 2)) for i in range(5)]
    assert [i for i, _ in _pick_batch(big, 0, 10, 8, None)] == [0, 1]  # the bytes' cap


def test_a_file_a_batch_crashed_on_is_read_again_in_a_task_of_its_own():
    from pathlib import Path

    from pipeline.run.executor_ray import _pick_batch
    from pipeline.run.sources import Source

    pending = [(i, Source(f"{i}.docx", Path(f"{i}.docx"), size=10)) for i in range(5)]
    assert [i for i, _ in _pick_batch(pending, 0, 10, 8, None, alone={2})] == [0, 1, 3, 4]
    assert [i for i, _ in _pick_batch(pending, 0, 10, 8, None, alone={2})] == [2]  # alone
    pending = [(i, Source(f"{i}.docx", Path(f"{i}.docx"), size=10 * i)) for i in range(3)]
    costliest_first = _pick_batch(pending, 0, 10, 8, lambda s: s.size, alone={2})
    assert [i for i, _ in costliest_first] == [2]  # taken first, so taken by itself


def test_only_a_task_reading_one_file_surely_crashed_on_it():
    from pipeline.run.executor_ray import _Batch, _blamed
    from pipeline.run.results import FileResult

    one, two = _Batch([(0, None)], stream=None), _Batch([(0, None), (1, None)], stream=None)
    crashed, lost = Failure("crashed", "崩溃"), Failure("node_lost", "失去联系")
    assert _blamed(crashed, one) and _blamed(lost, one)
    assert not _blamed(crashed, two) and not _blamed(lost, two)
    assert not _blamed(Failure("memory", "内存不足"), two)
    assert _blamed(Failure("timeout", "超时"), two)
    assert _blamed(FileResult.__new__(FileResult), two)
