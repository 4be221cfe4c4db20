"""The corrections file as its cells: an .xlsx (its first visible sheet) or a .csv (UTF-8, or
GB18030 as Excel on a Chinese Windows saves it), read into numbered lines of header → text.

Only the raw format lives here; what the columns mean is `pipeline/corrections/lines.py`'s.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook


class CorrectionFileError(Exception):
    """The corrections file as a whole cannot be used (missing, unreadable, no header)."""


@dataclass(frozen=True)
class RawLine:
    line: int  # 1-based: the header is line 1 (an .xlsx: the row number)
    cells: dict[str, str]  # header as written → the cell's text ("" when blank)


SUFFIXES = (".xlsx", ".csv")


def read_lines(path: Path) -> tuple[list[str], list[RawLine]]:
    """The header and every non-blank line under it."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise CorrectionFileError(f"更正文件应是 .xlsx 或 .csv，而不是 {path.name}")
    if not path.is_file():
        raise CorrectionFileError(f"更正文件 {path} 不存在")
    rows = _xlsx_rows(path) if suffix == ".xlsx" else _csv_rows(path)
    header: list[str] | None = None
    lines: list[RawLine] = []
    for number, cells in rows:
        if not any(cells):
            continue
        if header is None:
            header = [c.strip() for c in cells]
            continue
        padded = [*cells, *([""] * (len(header) - len(cells)))]
        lines.append(
            RawLine(number, {h: v.strip() for h, v in zip(header, padded, strict=False) if h})
        )
    if header is None:
        raise CorrectionFileError(f"更正文件 {path.name} 是空的：第一行应是表头")
    return header, lines


def cell_text(value: object, number_format: str = "General") -> str:
    """A cell as Excel shows it, as text: a whole number without `.0`, a date as YYYY-MM-DD,
    a number under a percent format as the percentage (`95.00%` typed into Excel is stored as
    0.95: read as 0.95 it would be a 0.95% rate)."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in number_format:
        decimals = len(number_format.split(".", 1)[1].split("%")[0]) if "." in number_format else 0
        return f"{value * 100:.{decimals}f}%"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(path: Path) -> list[tuple[int, list[str]]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise CorrectionFileError(f"更正文件 {path.name} 无法作为工作簿打开：{exc}") from exc
    try:
        sheet = next((ws for ws in workbook.worksheets if ws.sheet_state == "visible"), None)
        if sheet is None:
            raise CorrectionFileError(f"更正文件 {path.name} 没有可见的工作表")
        return [
            (number, [cell_text(c.value, getattr(c, "number_format", "General")) for c in row])
            for number, row in enumerate(sheet.iter_rows(), start=1)
        ]
    finally:
        workbook.close()


def _csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise CorrectionFileError(f"更正文件 {path.name} 不是 UTF-8 或 GBK 编码的文本")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    for cells in reader:
        rows.append((reader.line_num, cells))
    return rows
