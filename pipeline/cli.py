"""Command line: `python -m pipeline ingest IN --out OUT`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from extractors import DEFAULT_PDF_READER, PDF_READERS

from . import __version__
from .executor_ray import NodeVersionError
from .ingest import EXECUTORS, FileResult, RunSummary, ingest
from .store import OutputError
from .workers import Limits

EXIT_OK = 0
EXIT_FAILED_FILES = 1
EXIT_USAGE = 2


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Read budget-performance self-evaluation forms into Parquet tables.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("ingest", help="ingest a folder (or one file) of submissions")
    run.add_argument("input", type=Path, help="folder searched recursively for .docx and .pdf")
    run.add_argument("--out", type=Path, required=True, help="folder the tables are written to")
    run.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    run.add_argument("--force", action="store_true", help="read every file again, changed or not")
    run.add_argument(
        "--prune",
        action="store_true",
        help="drop the rows of files no longer under IN (by default they stay)",
    )
    run.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="files read at once, each in a worker process (default: the machine's cores)",
    )
    run.add_argument(
        "--file-timeout",
        type=_positive_float,
        default=Limits.timeout,
        metavar="SECONDS",
        help=f"stop reading a file after this long; it is marked failed (default {Limits.timeout:g})",
    )
    run.add_argument(
        "--max-memory",
        type=_positive_int,
        default=Limits.max_rss_mib,
        metavar="MIB",
        help=f"stop a worker whose resident memory passes this (default {Limits.max_rss_mib})",
    )
    run.add_argument(
        "--pdf-reader",
        choices=PDF_READERS,
        default=DEFAULT_PDF_READER,
        help=f"what reads a PDF's text layer (default {DEFAULT_PDF_READER}; the output is the same)",
    )
    run.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="where files are read: worker processes of this machine (local, the default) "
        "or Ray tasks (ray; the same tables)",
    )
    run.add_argument(
        "--ray-address",
        default=None,
        metavar="ADDR",
        help="the Ray cluster to run on (e.g. ray://head:10001, or auto); "
        "without it --executor ray starts a local Ray instance",
    )
    views = commands.add_parser(
        "views",
        help="write OUT/selfeval.duckdb (BI views over the tables) again, e.g. after moving OUT",
    )
    views.add_argument("out", type=Path, help="folder holding the tables")
    export = commands.add_parser("export", help="write the tables as a workbook for Excel or WPS")
    export.add_argument("out", type=Path, help="folder holding the tables")
    export.add_argument(
        "--xlsx", type=Path, required=True, metavar="FILE", help="the .xlsx workbook to write"
    )
    report = commands.add_parser("report", help="write OUT/report.html, the season in one page")
    report.add_argument("out", type=Path, help="folder holding the tables")
    report.add_argument(
        "--in",
        dest="input",
        type=Path,
        default=None,
        metavar="IN",
        help="the folder that was ingested: PDF findings then show their page region",
    )
    return parser


def _views(out: Path) -> int:
    from .views import write_views

    try:
        path = write_views(out)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"written {path}")
    return EXIT_OK


def _export(out: Path, xlsx: Path) -> int:
    from .export import export_xlsx

    try:
        path = export_xlsx(out, xlsx)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED_FILES
    print(f"written {path}")
    return EXIT_OK


class Progress:
    """A progress bar (files per second, time left) on a terminal; plain lines otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None
        self.started = time.monotonic()

    def file_done(self, result: FileResult, done: int, total: int) -> None:
        if not self.enabled:
            return
        doc = result.document
        if sys.stderr.isatty():
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True)
            self.bar.set_postfix_str(doc.source_path[-40:], refresh=False)
            self.bar.update(1)
            return
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else 0.0
        print(
            f"[{done}/{total}] {rate:.1f} files/s, {left:.0f} s left: "
            f"{doc.source_path} {doc.status}",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _summary_text(summary: RunSummary, out: Path) -> str:
    lines = [
        f"files: {summary.files} (ok {summary.ok}, no forms {summary.no_forms}, "
        f"skipped {summary.skipped}, failed {summary.failed})",
        f"forms: {summary.forms}   values: {summary.values}   rejects: {summary.rejects}   "
        f"findings: {summary.findings}",
        f"unchanged since the last run, rows kept: {summary.kept} files"
        if summary.kept
        else "every file read",
        f"written to {out}/ (values, documents, findings, rejects .parquet)",
    ]
    lines += [f"FAILED {path}: {error}" for path, error in summary.failures]
    return "\n".join(lines)


def _report(out: Path, source: Path | None) -> int:
    from .report import write_report

    if source is not None and not source.is_dir():
        print(f"error: {source} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    try:
        path = write_report(out, source)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED_FILES
    print(f"written {path}")
    return EXIT_OK


def _has_ray() -> bool:
    import importlib.util

    return importlib.util.find_spec("ray") is not None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "views":
        return _views(args.out)
    if args.command == "export":
        return _export(args.out, args.xlsx)
    if args.command == "report":
        return _report(args.out, args.input)
    source: Path = args.input
    if not source.exists():
        print(f"error: {source} does not exist", file=sys.stderr)
        return EXIT_USAGE
    if not source.is_dir():
        print(f"error: {source} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    if args.ray_address and args.executor != "ray":
        print("error: --ray-address needs --executor ray", file=sys.stderr)
        return EXIT_USAGE
    if args.executor == "ray" and not _has_ray():
        print("error: --executor ray needs Ray: pip install 'selfeval[ray]'", file=sys.stderr)
        return EXIT_USAGE
    progress = Progress(enabled=not args.quiet)
    limits = Limits(timeout=args.file_timeout, max_rss_mib=args.max_memory)
    try:
        summary = ingest(
            source,
            args.out,
            on_file=progress.file_done,
            limits=limits,
            workers=args.workers,
            force=args.force,
            prune=args.prune,
            pdf_reader=args.pdf_reader,
            executor=args.executor,
            ray_address=args.ray_address,
        )
    except NodeVersionError as exc:  # the cluster runs another version: nothing written
        progress.close()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OutputError as exc:  # OUT held by another run, read-only, or its disk full
        progress.close()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED_FILES
    progress.close()
    if not args.quiet:
        print(_summary_text(summary, args.out))
    return EXIT_FAILED_FILES if summary.failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
