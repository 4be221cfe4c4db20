"""Who has not sent: the roster of units a season expects, against the units whose forms came.

A roster is a .csv or .xlsx with a 单位名称 column (or 单位, 部门名称, 预算单位名称), one unit a
row, as a finance bureau keeps its list of budget units. Names are matched as labels are
(`label_key`: widths, white space and traditional characters folded), so 江城市教育局 on the
roster meets `江城市 教育局` or `江城市教育局` written full-width on a form."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from pipeline.forms.normalize import label_key

NAME_HEADERS = ("单位名称", "单位", "部门名称", "预算单位名称", "部门(单位)名称", "部门")


class RosterError(Exception):
    """The roster cannot be used: the message says why, in words, naming the file."""


@dataclass(frozen=True)
class RosterCheck:
    """Units on the roster with no form (未报送), units with forms not on it (名单外)."""

    missing: tuple[str, ...]
    outside: tuple[tuple[str, tuple[str, ...]], ...]  # (unit, its files)


def read_roster(path: Path) -> tuple[str, ...]:
    """The unit names of a roster file, in its order, blanks and repeats left out."""
    if not path.is_file():
        raise RosterError(f"名单文件 {path} 不存在")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(path)
    else:
        raise RosterError(f"名单文件 {path.name} 应为 .csv 或 .xlsx 文件")
    names = _names(rows, path)
    if not names:
        raise RosterError(f"名单文件 {path.name} 的“单位名称”一栏是空的")
    return names


def _csv_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text)))
    raise RosterError(f"名单文件 {path.name} 的编码无法识别（请存为 UTF-8 或 GBK 编码的 CSV）")


def _xlsx_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise RosterError(f"名单文件 {path.name} 无法作为工作簿打开") from exc
    try:
        sheet = book.worksheets[0]
        return [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        book.close()


def _names(rows: list[list[str]], path: Path) -> tuple[str, ...]:
    wanted = {label_key(h) for h in NAME_HEADERS}
    for at, row in enumerate(rows):
        columns = [i for i, cell in enumerate(row) if label_key(cell) in wanted]
        if columns:
            column = columns[0]
            names: dict[str, str] = {}
            for below in rows[at + 1 :]:
                name = below[column].strip() if column < len(below) else ""
                if name:
                    names.setdefault(label_key(name), name)
            return tuple(names.values())
    raise RosterError(
        f"名单文件 {path.name} 中没有“单位名称”一栏（表头可写作 {'、'.join(NAME_HEADERS)}）"
    )


def check_roster(roster: tuple[str, ...], sent: dict[str, list[str]]) -> RosterCheck:
    """`sent`: each unit with forms in the season, with its files."""
    on_roster = {label_key(name) for name in roster}
    came = {label_key(unit) for unit in sent}
    missing = tuple(name for name in roster if label_key(name) not in came)
    outside = tuple(
        (unit, tuple(sorted(files)))
        for unit, files in sorted(sent.items())
        if label_key(unit) not in on_roster
    )
    return RosterCheck(missing, outside)
