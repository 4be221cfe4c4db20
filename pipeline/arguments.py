"""The command's arguments: its four subcommands and their options, and a usage mistake told in
one line of Chinese with exit status 2."""

from __future__ import annotations

import argparse
import difflib
import re
from pathlib import Path
from typing import NoReturn

from extractors import DEFAULT_PDF_READER, PDF_READERS
from pipeline import __version__
from pipeline.run.ingest import EXECUTORS
from pipeline.run.workers import Limits

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


class UsageParser(argparse.ArgumentParser):
    """A usage mistake is one line saying what is wrong and where to look, and exit status 2.
    It keeps the option strings it was given, to name the one a misspelt option meant."""

    def __init__(self, *args, **kwargs) -> None:
        self.options: list[str] = []
        super().__init__(*args, **kwargs)

    def add_argument(self, *args, **kwargs) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        self.options.extend(action.option_strings)
        return action

    def unknown(self, extra: list[str]) -> NoReturn:
        """`unrecognized arguments`, with the option a misspelt one was most likely meant to be."""
        words = " ".join(extra)
        for word in extra:
            if word.startswith("-"):
                close = difflib.get_close_matches(word.split("=")[0], self.options, n=1)
                if close:
                    self.error(f"unrecognized arguments: {words}；是否想用 {close[0]}？")
        self.error(f"unrecognized arguments: {words}")

    def error(self, message: str) -> NoReturn:
        for pattern, words in _ARGPARSE_WORDS:
            match = pattern.match(message)
            if match:
                message = words.format(*(g.replace("'", "") for g in match.groups()))
                break
        self.exit(EXIT_USAGE, f"错误：{message}（用法见 {self.prog} --help）\n")


ROSTER_HELP = "单位名单（.csv 或 .xlsx，含“单位名称”一栏）：给出时列出未报送的单位和名单外的单位"


def build_parser() -> tuple[UsageParser, dict[str, UsageParser]]:
    """The command's parser, and each subcommand's parser by its name."""
    parser = UsageParser(
        prog="python -m pipeline",
        description="把各部门报送的绩效自评表读成 Parquet 数据表。",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="{ingest,views,export,report}",
        parser_class=UsageParser,
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
    return parser, {"ingest": run, "views": views, "export": export, "report": report}
