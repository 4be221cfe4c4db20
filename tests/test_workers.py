"""The worker pool: every job answered once, the costliest started first within the window, a
worker reused from file to file and replaced when it dies, is stopped or has grown."""

from __future__ import annotations

import os
import time

from pipeline.run.workers import Failure, Limits, rss_mib, run_jobs


def _started_at(job: tuple[str, float]) -> tuple[str, float, int]:
    name, _cost = job
    return name, time.monotonic(), os.getpid()


def test_costliest_job_in_the_window_starts_first():
    jobs = [("small", 1.0), ("big", 9.0), ("middle", 5.0), ("tiny", 0.5)]
    done = list(run_jobs(jobs, _started_at, Limits(), workers=1, cost=lambda j: j[1]))
    order = [result[0] for _, _, result in sorted(done, key=lambda d: d[2][1])]
    assert order == ["big", "middle", "small", "tiny"]
    assert sorted(index for index, _, _ in done) == [0, 1, 2, 3]
    assert all(job == jobs[index] for index, job, _ in done)


def test_no_job_starts_past_the_window():
    # the big job is five places on: with a window of 2 it waits until it is one place after
    # the first unfinished job, and only then goes before that one
    jobs = [("a", 1.0), ("b", 1.0), ("c", 1.0), ("d", 1.0), ("e", 1.0), ("big", 9.0)]
    done = list(run_jobs(jobs, _started_at, Limits(), workers=1, window=2, cost=lambda j: j[1]))
    order = [result[0] for _, _, result in sorted(done, key=lambda d: d[2][1])]
    assert order == ["a", "b", "c", "d", "big", "e"]


def _started_then_busy(job: tuple[str, float]) -> tuple[str, float, int]:
    started = _started_at(job)
    time.sleep(0.3)  # long beside a worker's start-up, so starts follow the order given
    return started


def test_equal_costs_keep_the_given_order():
    jobs = [(name, 1.0) for name in "abcdef"]
    done = list(run_jobs(jobs, _started_then_busy, Limits(), workers=2, cost=lambda j: j[1]))
    assert len({result[2] for _, _, result in done}) <= 2  # a worker reads file after file
    starts = [result[0] for _, _, result in sorted(done, key=lambda d: d[2][1])]
    assert starts[0] in "ab" and starts[-1] in "ef"


def _crash_on_b(job: tuple[str, float]) -> tuple[str, float, int]:
    if job[0] == "b":
        os.abort()
    return _started_at(job)


def test_a_worker_that_dies_is_replaced_and_the_next_jobs_run():
    jobs = [(name, 1.0) for name in "abcd"]
    done = {index: result for index, _, result in run_jobs(jobs, _crash_on_b, Limits())}
    assert isinstance(done[1], Failure) and done[1].code == "crashed"
    assert [done[i][0] for i in (0, 2, 3)] == ["a", "c", "d"]
    assert done[0][2] != done[2][2] == done[3][2]  # a fresh worker after the crash, then reused


def _hoard(job: tuple[str, float]) -> tuple[str, float, int]:
    global _kept
    # written, so resident (a zeroed bytearray may be mapped without pages), and kept after
    # the job: the worker stays big
    _kept = b"\x01" * (int(job[1]) * 1024 * 1024)
    return _started_at(job)


def _own_rss(_job: object) -> float:
    return rss_mib(os.getpid()) or 0.0


def test_a_worker_grown_past_half_the_cap_is_replaced():
    # what a fresh worker weighs (W, about what the test process had mapped when it forked):
    # half this cap is W + 200 MiB, which the 300 MiB job passes and the small ones do not
    [(_, _, fresh)] = list(run_jobs([None], _own_rss, Limits()))
    limits = Limits(max_rss_mib=int(2 * fresh + 400))
    jobs = [("big", 300.0), ("small", 0.0), ("small", 0.0)]
    done = {index: result for index, _, result in run_jobs(jobs, _hoard, limits)}
    assert not any(isinstance(r, Failure) for r in done.values())
    assert done[0][2] != done[1][2] == done[2][2]


def test_the_frontier_is_the_first_unfinished_job():
    from pipeline.run.workers import Frontier

    frontier = Frontier()
    for index, first in [(1, 0), (2, 0), (0, 3), (5, 3), (3, 4), (4, 6)]:
        frontier.finish(index)
        assert frontier.first == first


_ballast = b""


def _take_100_mib(_job: object) -> int:
    taken = b"\x02" * (100 * 2**20)  # written, so resident
    return len(taken)


def test_a_files_memory_is_counted_past_what_its_worker_was_forked_with():
    global _ballast
    _ballast = b"\x01" * (250 * 2**20)  # the run holds this much (models, a big catalogue)
    try:
        [(_, _, result)] = list(run_jobs([None], _take_100_mib, Limits(max_rss_mib=300)))
    finally:
        _ballast = b""
    assert result == 100 * 2**20  # 100 MiB of its own: within 300, whatever the parent held


def _take_400_mib(_job: object) -> int:
    taken = b"\x03" * (400 * 2**20)  # written, so resident
    return len(taken)


def test_a_file_past_its_cap_is_stopped_whatever_files_the_parent_has_read_in(tmp_path):
    """A parent holding file-backed pages (a memory-mapped Parquet file, say) forks workers that
    do not count them until touched: measured against the parent's whole resident size, a
    file could take that much more than its cap unseen."""
    import mmap

    big = tmp_path / "mapped.bin"
    with open(big, "wb") as out:
        out.truncate(400 * 2**20)
    with open(big, "r+b") as raw, mmap.mmap(raw.fileno(), 0) as mapped:
        for offset in range(0, len(mapped), 4096):
            mapped[offset] = 1  # every page resident in the parent
        [(_, _, result)] = list(run_jobs([None], _take_400_mib, Limits(max_rss_mib=300)))
    assert isinstance(result, Failure) and result.code == "memory"
