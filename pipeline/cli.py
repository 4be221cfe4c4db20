"""Command line: `python -m pipeline ingest IN --out OUT`."""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import time
from pathlib import Path
from typing import NoReturn

from extractors import DEFAULT_PDF_READER, PDF_READERS, READERS

from . import __version__
from .corrections import CorrectionFileError, load_corrections
from .executor_ray import NodeVersionError
from .ingest import EXECUTORS, FileResult, RunSummary, ingest
from .sources import discover
from .store import OutputError
from .workers import Limits

EXIT_OK = 0
EXIT_FAILED_FILES = 1
EXIT_USAGE = 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为不小于 1 的整数（如 4），而不是 {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"应为大于 0 的数（如 300），而不是 {text!r}")
    return value


# argparse's own messages, in the words of the rest of the command
_ARGPARSE_WORDS = (
    (re.compile(r"^the following arguments are required: (.*)$"), "缺少必需的参数：{0}"),
    (re.compile(r"^unrecognized arguments: (.*)$"), "无法识别的参数：{0}"),
    (re.compile(r"^argument (\S+): expected one argument$"), "参数 {0} 后面需要一个值"),
    (
        re.compile(r"^argument \{\S+\}: invalid choice: '?([^']*)'? \(choose from (.*)\)$"),
        "没有 {0!r} 这个命令，可用的命令：{1}",
    ),
    (
        re.compile(r"^argument (\S+): invalid choice: '?([^']*)'? \(choose from (.*)\)$"),
        "参数 {0} 的取值 {1!r} 无效，可选：{2}",
    ),
    (re.compile(r"^argument (\S+): (.*)$"), "参数 {0} {1}"),
)


class _Parser(argparse.ArgumentParser):
    """A usage mistake is one line saying what is wrong and where to look, and exit status 2."""

    def error(self, message: str) -> NoReturn:
        for pattern, words in _ARGPARSE_WORDS:
            match = pattern.match(message)
            if match:
                message = words.format(*(g.replace("'", "") for g in match.groups()))
                break
        self.exit(EXIT_USAGE, f"错误：{message}（用法见 {self.prog} --help）\n")


ROSTER_HELP = "单位名单（.csv 或 .xlsx，含“单位名称”一栏）：给出时列出未报送的单位和名单外的单位"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m pipeline",
        description="把各部门报送的绩效自评表读成 Parquet 数据表。",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="{ingest,views,export,report}", parser_class=_Parser
    )
    run = commands.add_parser(
        "ingest",
        help="读取一个文件夹中的报送材料",
        description="读取 IN 文件夹（含子文件夹）中的报送材料，写出 OUT 下的数据表。"
        "再次运行只读新增和改动过的文件。",
    )
    run.add_argument(
        "input",
        type=Path,
        metavar="IN",
        help="报送材料所在的文件夹（含子文件夹）：Word（.docx .doc .wps）、PDF（含扫描件）、"
        "Excel（.xlsx .xls .et）、网页（.html .htm .mht）和 .zip 压缩包",
    )
    run.add_argument("--out", type=Path, required=True, metavar="OUT", help="写出数据表的文件夹")
    run.add_argument("--quiet", action="store_true", help="不显示进度和汇总")
    run.add_argument("--force", action="store_true", help="所有文件重新读取，不论是否改动")
    run.add_argument(
        "--prune", action="store_true", help="删除 IN 中已不存在的文件的数据（默认保留）"
    )
    run.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        metavar="N",
        help="同时读取的文件数，每个文件一个工作进程（默认：本机 CPU 核数）",
    )
    run.add_argument(
        "--file-timeout",
        type=_positive_float,
        default=Limits.timeout,
        metavar="SECONDS",
        help=f"单个文件读取超过此秒数即记为失败（默认 {Limits.timeout:g}）",
    )
    run.add_argument(
        "--max-memory",
        type=_positive_int,
        default=Limits.max_rss_mib,
        metavar="MIB",
        help=f"工作进程占用内存超过此值（MiB）即停止，该文件记为失败（默认 {Limits.max_rss_mib}）",
    )
    run.add_argument(
        "--pdf-reader",
        choices=PDF_READERS,
        default=DEFAULT_PDF_READER,
        help=f"读取 PDF 文字层的程序（默认 {DEFAULT_PDF_READER}；结果相同）",
    )
    run.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="在哪里读取文件：本机工作进程（local，默认）或 Ray 任务（ray；结果相同）",
    )
    run.add_argument(
        "--ray-address",
        default=None,
        metavar="ADDR",
        help="Ray 集群地址（如 ray://head:10001 或 auto）；不给出时 --executor ray 在本机启动 Ray",
    )
    run.add_argument(
        "--corrections",
        type=Path,
        default=None,
        metavar="FILE",
        help="分析人员的更正文件（.xlsx 或 .csv，每行一条更正：record_id 或 文件、表、项目行、指标，"
        "以及 更正值、更正人、原因）：每次运行都应用，不改动报送文件；不给出时不应用任何更正",
    )
    views = commands.add_parser(
        "views",
        help="重新写出 OUT/selfeval.duckdb（供 BI 使用的视图），例如移动 OUT 之后",
    )
    views.add_argument("out", type=Path, metavar="OUT", help="数据表所在的文件夹")
    export = commands.add_parser("export", help="把数据表导出为 Excel/WPS 工作簿")
    export.add_argument("out", type=Path, metavar="OUT", help="数据表所在的文件夹")
    export.add_argument(
        "--xlsx", type=Path, default=None, metavar="FILE", help="要写出的工作簿（.xlsx）"
    )
    export.add_argument(
        "--corrections-template",
        type=Path,
        default=None,
        metavar="FILE",
        help="写出更正文件模板（.xlsx）：每条问题一行，已填好文件、表、位置和现值，"
        "只需填写更正值、更正人、原因，再用 ingest --corrections 传回",
    )
    export.add_argument("--roster", type=Path, default=None, metavar="FILE", help=ROSTER_HELP)
    report = commands.add_parser("report", help="写出 OUT/report.html：整季情况的一个网页")
    report.add_argument("out", type=Path, metavar="OUT", help="数据表所在的文件夹")
    report.add_argument(
        "--in",
        dest="input",
        type=Path,
        default=None,
        metavar="IN",
        help="读取过的报送材料文件夹：给出时，PDF 中的问题会附上所在页面的截图",
    )
    report.add_argument("--roster", type=Path, default=None, metavar="FILE", help=ROSTER_HELP)
    return parser


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
    from .views import write_views

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
    from .roster import read_roster

    return read_roster(path) if path is not None else None


def _export(
    out: Path, xlsx: Path | None, template: Path | None, roster_path: Path | None = None
) -> int:
    from .correction_template import write_template
    from .export import export_xlsx
    from .roster import RosterError

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
    read = summary.files - summary.kept
    lines = [
        f"文件 {summary.files} 个：读出表格 {summary.ok}，无表格 {summary.no_forms}，"
        f"跳过 {summary.skipped}，失败 {summary.failed}",
        f"表格 {summary.forms} 张，数值 {summary.values} 个，拒收 {summary.rejects} 条，"
        f"问题 {summary.findings} 条",
    ]
    if summary.run_id is None:
        lines.append(f"没有新增或改动过的文件，更正也没有变化：{out}/ 中的数据表未改动")
    else:
        kept = f"，{summary.kept} 个未改动的文件沿用上次的结果" if summary.kept else ""
        dropped = f"，删除 {summary.dropped} 个已不在 IN 中的文件的数据" if summary.dropped else ""
        if read == 0 and not summary.dropped:  # the corrections changed, no submission
            lines.append(f"没有新增或改动过的文件，未读取任何报送材料：只重新应用了更正{kept}")
        else:
            lines.append(f"本次读取 {read} 个文件{kept}{dropped}")
        lines.append(
            f"已写入 {out}/（values、documents、findings、rejects、corrections 五个 .parquet）"
        )
    lines += _corrections_text(summary)
    lines += [f"失败 {path}：{error}" for path, error in summary.failures]
    return "\n".join(lines)


STATUS_WORDS = {"applied": "已应用", "stale": "已失效", "not_found": "未找到", "invalid": "无效"}


def _corrections_text(summary: RunSummary) -> list[str]:
    """The corrections' outcome: counts, and every line not applied with its number and why."""
    lines = []
    if summary.corrections:
        counts = summary.correction_counts()
        lines.append(
            f"更正 {len(summary.corrections)} 行："
            + "，".join(f"{STATUS_WORDS[s]} {n}" for s, n in counts.items())
        )
        lines += [
            f"更正文件第 {row.line} 行{STATUS_WORDS[row.status]}：{row.message}"
            for row in summary.corrections
            if row.status != "applied"
        ]
    if summary.corrections_blank:
        lines.append(f"更正文件中 {summary.corrections_blank} 行未填更正值，已跳过")
    if summary.corrections_withdrawn:
        lines.append(
            f"上次应用的 {summary.corrections_withdrawn} 条更正不在本次的更正文件中，已撤销"
            "（数值恢复为文件所写）"
        )
    return lines


def _report(out: Path, source: Path | None, roster_path: Path | None = None) -> int:
    from .report import write_report
    from .roster import RosterError

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
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        _subcommand(parser, args.command).error(_unknown(extra, _subcommand(parser, args.command)))
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
        print(_summary_text(summary, args.out))
    return EXIT_FAILED_FILES if summary.failed else EXIT_OK


def _subcommand(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._subparsers._group_actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    return parser


def _unknown(extra: list[str], parser: argparse.ArgumentParser) -> str:
    """`unrecognized arguments`, with the option a misspelt one was most likely meant to be."""
    options = [o for a in parser._actions for o in a.option_strings]
    words = " ".join(extra)
    for word in extra:
        if word.startswith("-"):
            close = difflib.get_close_matches(word.split("=")[0], options, n=1)
            if close:
                return f"unrecognized arguments: {words}；是否想用 {close[0]}？"
    return f"unrecognized arguments: {words}"


if __name__ == "__main__":
    sys.exit(main())
