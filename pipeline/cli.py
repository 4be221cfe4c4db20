"""Command line: `python -m pipeline ingest IN --out OUT`."""

from __future__ import annotations

import sys
from pathlib import Path

from extractors import READERS
from pipeline.arguments import EXIT_FAILED_FILES, EXIT_OK, EXIT_USAGE, build_parser
from pipeline.console import Progress, summary_text
from pipeline.corrections.lines import CorrectionFileError, load_corrections
from pipeline.publish.store import OutputError
from pipeline.run.executor_ray import NodeVersionError
from pipeline.run.ingest import ingest
from pipeline.run.sources import discover
from pipeline.run.workers import Limits


def _usage_error(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return EXIT_USAGE


def _tables_missing(out: Path) -> str | None:
    """Why `out` holds no tables to work from, or None when it does."""
    if not out.is_dir():
        return f"{out} 不是一个文件夹：请给出 ingest 写出数据表的文件夹（--out）"
    if not any((out / f"{name}.parquet").exists() for name in ("values", "documents")):
        return f"{out} 中没有数据表（values.parquet 等）：请先运行 ingest"
    return None


def _views(out: Path) -> int:
    from pipeline.publish.views import write_views

    problem = _tables_missing(out)
    if problem:
        return _usage_error(problem)
    try:
        path = write_views(out)
    except FileNotFoundError as exc:
        return _usage_error(str(exc))
    print(f"已写出 {path}")
    return EXIT_OK


def _roster(path: Path | None) -> tuple[str, ...] | None:
    """The roster's unit names; a RosterError says in words what is wrong with the file."""
    from pipeline.publish.roster import read_roster

    return read_roster(path) if path is not None else None


def _export(
    out: Path, xlsx: Path | None, template: Path | None, roster_path: Path | None = None
) -> int:
    from pipeline.corrections.template import write_template
    from pipeline.publish.export import export_xlsx
    from pipeline.publish.roster import RosterError

    if xlsx is None and template is None:
        return _usage_error("export 需要 --xlsx FILE 或 --corrections-template FILE（或两者）")
    problem = _tables_missing(out)
    if problem:
        return _usage_error(problem)
    try:
        roster = _roster(roster_path)
    except RosterError as exc:
        return _usage_error(str(exc))
    for option, path in (("--xlsx", xlsx), ("--corrections-template", template)):
        if path is None:
            continue
        if path.suffix.lower() != ".xlsx":
            return _usage_error(f"{option} 应是以 .xlsx 结尾的工作簿文件名，而不是 {path.name}")
        if path.is_dir():
            return _usage_error(f"{option} {path} 是一个文件夹：请给出工作簿的文件名")
    try:
        written = [
            *([export_xlsx(out, xlsx, roster)] if xlsx is not None else []),
            *([write_template(out, template)] if template is not None else []),
        ]
    except FileNotFoundError as exc:
        return _usage_error(str(exc))
    except OutputError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_FAILED_FILES
    for path in written:
        print(f"已写出 {path}")
    return EXIT_OK


def _report(out: Path, source: Path | None, roster_path: Path | None = None) -> int:
    from pipeline.publish.report.page import write_report
    from pipeline.publish.roster import RosterError

    if source is not None and not source.is_dir():
        return _usage_error(f"--in {source} 不是一个文件夹")
    problem = _tables_missing(out)
    if problem:
        return _usage_error(problem)
    try:
        roster = _roster(roster_path)
    except RosterError as exc:
        return _usage_error(str(exc))
    try:
        path = write_report(out, source, roster)
    except FileNotFoundError as exc:
        return _usage_error(str(exc))
    except OutputError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_FAILED_FILES
    print(f"已写出 {path}")
    return EXIT_OK


def _has_ray() -> bool:
    import importlib.util

    return importlib.util.find_spec("ray") is not None


def _ingest_problem(source: Path, out: Path) -> str | None:
    """What is wrong with IN and OUT as given, in words, or None."""
    if not source.exists():
        return f"IN {source} 不存在"
    if not source.is_dir():
        return f"IN {source} 是一个文件，不是文件夹：请把要读取的文件放进一个文件夹，再给出该文件夹"
    if out.exists() and not out.is_dir():
        return f"--out {out} 是一个文件，不是文件夹：请给出写出数据表的文件夹"
    if out.resolve() == source.resolve():
        return "--out 不能就是 IN：请给出另一个文件夹（可以在 IN 之内，如 IN/out）"
    blocker = next((p for p in (out, *out.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        return f"--out {out} 无法创建：{blocker} 是一个文件"
    if not any(_readable(p) for p in discover(source, out)):
        return (
            f"IN {source} 中没有可读取的文件（Word、PDF、Excel、网页或 .zip 压缩包）："
            "请检查文件夹是否正确"
        )
    return None


def _readable(path: Path) -> bool:
    return path.suffix.lower() in READERS or path.suffix.lower() == ".zip"


def main(argv: list[str] | None = None) -> int:
    parser, subcommands = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        subcommands[args.command].unknown(extra)
    if args.command == "views":
        return _views(args.out)
    if args.command == "export":
        return _export(args.out, args.xlsx, args.corrections_template, args.roster)
    if args.command == "report":
        return _report(args.out, args.input, args.roster)
    source: Path = args.input
    problem = _ingest_problem(source, args.out)
    if problem:
        return _usage_error(problem)
    if args.ray_address and args.executor != "ray":
        return _usage_error("--ray-address 需要与 --executor ray 一起使用")
    if args.executor == "ray" and not _has_ray():
        return _usage_error("--executor ray 需要安装 Ray：pip install 'selfeval[ray]'")
    try:
        corrections = load_corrections(args.corrections)
    except CorrectionFileError as exc:
        return _usage_error(str(exc))
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
            corrections=corrections,
        )
    except NodeVersionError as exc:  # the cluster runs another version: nothing written
        progress.close()
        return _usage_error(str(exc))
    except OutputError as exc:  # OUT held by another run, read-only, or its disk full
        progress.close()
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_FAILED_FILES
    progress.close()
    if not args.quiet:
        print(summary_text(summary, args.out))
    return EXIT_FAILED_FILES if summary.failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
