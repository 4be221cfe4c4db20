"""Benchmark the report and the workbook at a province's scale: a season of N files (default
5,000), made by ingesting the demo season once and copying its four tables under new paths and
unit names until they hold N files (reading 5,000 files would take an hour; the report and the
workbook only read the tables). Prints, per size: `report` and `export` as whole commands, the
report's size, and the time headless Chromium takes to open it (navigation to the load event,
read from the page itself), each against the 5 s / 20 MiB / 60 s the issue sets.
Not run by CI: `make bench`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("values", "documents", "findings", "rejects", "corrections")
PROBE = (
    "<script>window.addEventListener('load', function () { setTimeout(function () {"
    " document.title = 'LOADED ' + (Date.now() - performance.timing.navigationStart);"
    " }, 0); });</script></body>"
)


def copy_tables(source: Path, target: Path, files: int) -> int:
    """`source`'s tables copied under `单位NNNN/` paths and `…NNNN` unit names until they hold
    at least `files` files; returns how many they hold."""
    target.mkdir(parents=True, exist_ok=True)
    per_copy = pq.read_metadata(source / "documents.parquet").num_rows
    copies = -(-files // per_copy)
    for name in TABLES:
        table = pq.read_table(source / f"{name}.parquet")
        parts = []
        for i in range(copies):
            part = table
            for column, fmt in (("source_path", "单位{:04d}/"), ("unit", None)):
                if column not in part.schema.names:
                    continue
                at = part.schema.get_field_index(column)
                if fmt:
                    renamed = pc.binary_join_element_wise(
                        pa.scalar(fmt.format(i)), part[column], ""
                    )
                else:
                    renamed = pc.binary_join_element_wise(part[column], pa.scalar(f"{i:04d}"), "")
                part = part.set_column(at, column, renamed)
            parts.append(part)
        merged = pa.concat_tables(parts).replace_schema_metadata(table.schema.metadata)
        pq.write_table(merged, target / f"{name}.parquet")
    return copies * per_copy


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def open_seconds(report: Path, chromium: str) -> float | None:
    """Navigation to the load event, as the page measures it, in headless Chromium."""
    text = report.read_text(encoding="utf-8")
    head, _, tail = text.rpartition("</body>")
    probe = report.with_name("probe.html")
    probe.write_text(head + PROBE + tail, encoding="utf-8")
    done = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=300,
    )
    marker = done.stdout.split("<title>LOADED ", 1)
    return int(marker[1].split("<", 1)[0]) / 1000 if len(marker) == 2 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000])
    args = parser.parse_args()
    python = [sys.executable, "-m", "pipeline"]
    chromium = shutil.which("chromium-headless-shell") or shutil.which("chromium")
    print(
        f"{'files':>6} {'report s':>9} {'MiB':>6} {'open s':>7} {'export s':>9}   (limits: open 5 s, 20 MiB, export 60 s)"
    )
    with tempfile.TemporaryDirectory(prefix="selfeval-bench-scale-") as tmp:
        base = Path(tmp) / "demo-out"
        subprocess.run([*python, "ingest", str(ROOT / "fixtures" / "demo"), "--out", str(base),
                        "--quiet"], check=True)  # fmt: skip
        for size in args.sizes:
            out = Path(tmp) / f"out-{size}"
            files = copy_tables(base, out, size)
            report = timed([*python, "report", str(out)])
            export = timed([*python, "export", str(out), "--xlsx", str(out / "汇总.xlsx")])
            page = out / "report.html"
            opened = open_seconds(page, chromium) if chromium else None
            shown = f"{opened:>7.2f}" if opened is not None else f"{'-':>7}"
            print(
                f"{files:>6} {report:>9.2f} {page.stat().st_size / 2**20:>6.1f} {shown} {export:>9.2f}"
            )


if __name__ == "__main__":
    main()
