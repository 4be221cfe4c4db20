"""Run-level rules: one submission sent in several files.

A unit's form for a year (and project) in more than one file is one submission. The copy that
counts is the one read from a born-digital file before a scan, then the one with the latest
填报日期, then the first in source_path order. Every other copy gets `duplicate_submission`,
naming the copy that counts (the views leave it out); where another copy's values differ from
the counted one's, the counted copy gets `duplicate_differs`, naming each differing cell with
both values and the other file.

What the rules need of a file is small (`submission_keys`: one row per form with a digest of
its cells), so a season of thousands of files is never held in memory; the cells of the few
copies that differ are read back (`CellsReader`) only to name them.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pipeline.checks.catalogue import severity_of
from pipeline.definitions import load_catalog
from pipeline.model import Finding
from pipeline.names import measure_names, section_name

Row = dict[str, Any]

SUBMISSION_KEY_FIELDS = ("unit", "fiscal_year", "form", "form_seq", "project", "source_format")
# a cell of a form, the same in every copy of it (form_seq is the file's own numbering)
CELL_FIELDS = ("section", "level1", "level2", "item", "item_seq", "measure")
# what a cell says, as compared between copies
VALUE_FIELDS = ("value_text", "value_num", "value_unit", "comparator")
FILED_ITEM = "填报日期"  # in the footer: which copy is the latest, not a value to compare
SHOWN_CELLS = 10  # the differing cells a message names; the count says how many in all

# (source_path, form, form_seq) of a copy → its cells → (what the form shows, as compared)
Cells = dict[tuple, tuple[str | None, tuple]]
CellsReader = Callable[[set[tuple[str, str, int]]], dict[tuple[str, str, int], Cells]]


@dataclass(frozen=True)
class Copy:
    order: int  # the file's place in source_path order
    source_path: str
    key: Row  # SUBMISSION_KEY_FIELDS, filed, digest

    @property
    def place(self) -> tuple[str, str, int]:
        return (self.source_path, self.key["form"], self.key["form_seq"])


@dataclass(frozen=True)
class Submission:
    what: str  # 江城市教育局 2024年度 项目支出绩效自评表 城市公交运营补贴
    counted: Copy
    others: tuple[Copy, ...]  # the copies in other files, left out of the summaries


def is_filed_date(row: Row) -> bool:
    return row["section"] == "footer" and row["item"] == FILED_ITEM


def compared(row: Row) -> tuple:
    """What a cell says, as two copies are compared: a number by its value, unit and
    comparator (3,200.00 and 3200 agree), words without white space (a line break is layout)."""
    if row["value_num"] is not None:
        return ("n", round(float(row["value_num"]), 6), row["value_unit"], row["comparator"])
    return ("t", "".join((row["value_text"] or "").split()))


def cell_of(row: Row) -> tuple:
    return tuple(row[k] or 0 if k == "item_seq" else row[k] for k in CELL_FIELDS)


def submission_keys(rows: Iterable[Row]) -> list[Row]:
    """What the rules need of a file: one row per form it holds, with the date the form was
    filed (its 填报日期), whether it was read from a scan and a digest of its cells."""
    keys: dict[tuple, Row] = {}
    cells: dict[tuple, list[str]] = defaultdict(list)
    for row in rows:
        form = (row["form"], row["form_seq"])
        key = keys.setdefault(form, {**{k: row[k] for k in SUBMISSION_KEY_FIELDS}, "filed": None})
        if is_filed_date(row):
            if row["value_text"]:
                key["filed"] = max(key["filed"] or "", row["value_text"])
            continue
        cells[form].append(repr((cell_of(row), compared(row))))
    for form, key in keys.items():
        digest = hashlib.blake2b("\n".join(sorted(cells[form])).encode(), digest_size=16)
        key["digest"] = digest.hexdigest()
    return list(keys.values())


def submissions(documents: list[tuple[str, list[Row]]]) -> list[Submission]:
    """The submissions sent in more than one file, each with the copy that counts."""
    catalog = load_catalog()
    groups: dict[tuple, list[Copy]] = defaultdict(list)
    for order, (source_path, keys) in enumerate(documents):
        for key in keys:
            if key["unit"]:
                group = (key["unit"], key["fiscal_year"], key["form"], key["project"])
                groups[group].append(Copy(order, source_path, key))
    found = []
    for (unit, year, form, project), copies in groups.items():
        if len({c.source_path for c in copies}) < 2:
            continue
        counted = min(copies, key=_copy_preference)
        title = catalog.forms[form].titles[0] if form in catalog.forms else form
        what = " ".join(
            str(w) for w in (unit, f"{year}年度" if year else None, title, project) if w
        )
        others = tuple(c for c in copies if c.source_path != counted.source_path)
        found.append(Submission(what, counted, others))
    return found


def duplicate_submissions(sent: list[Submission]) -> list[Finding]:
    """`duplicate_submission` on every copy but the one that counts, naming that one."""
    return [
        Finding(
            rule="duplicate_submission",
            severity=severity_of("duplicate_submission"),
            message=f"{s.what} 重复报送：以 {s.counted.source_path} 为准"
            f"（{_why_counted(s.counted, other)}），本文件不计入汇总；{_same_or_not(s.counted, other)}",
            form=other.key["form"],
            form_seq=other.key["form_seq"],
            project=other.key["project"],
            source_path=other.source_path,
        )
        for s in sent
        for other in s.others
    ]


def differing_copies(sent: list[Submission], read_cells: CellsReader) -> list[Finding]:
    """`duplicate_differs` on the copy that counts, once for each other copy whose values
    differ from its own, naming the differing cells. Copies with equal values get none."""
    differ = [
        (s, other)
        for s in sent
        for other in s.others
        if other.key["digest"] != s.counted.key["digest"]
    ]
    if not differ:
        return []
    cells = read_cells({c.place for s, other in differ for c in (s.counted, other)})
    found = []
    for s, other in differ:
        changes = differing_cells(cells.get(s.counted.place, {}), cells.get(other.place, {}))
        if changes:
            found.append(_differs_finding(s, other, changes))
    return found


def differing_cells(counted: Cells, other: Cells) -> list[tuple[tuple, str | None, str | None]]:
    """(cell, what the counted copy shows, what the other shows) for each cell the two copies
    do not agree on, in the form's order of sections and rows as read."""
    absent = (None, ("absent",))
    return [
        (cell, counted.get(cell, absent)[0], other.get(cell, absent)[0])
        for cell in {**counted, **other}
        if counted.get(cell, absent)[1] != other.get(cell, absent)[1]
    ]


def _differs_finding(s: Submission, other: Copy, changes: list[tuple]) -> Finding:
    names = measure_names()
    shown = "；".join(
        f"{cell_words(cell, names)}：本文件 {_shown(mine)}，{other.source_path} {_shown(theirs)}"
        for cell, mine, theirs in changes[:SHOWN_CELLS]
    )
    more = f"；另有 {len(changes) - SHOWN_CELLS} 处不一致" if len(changes) > SHOWN_CELLS else ""
    if other.key.get("source_format") == "pdf_scan":
        more += "；另一份是扫描件，不一致之处也可能是文字识别的误差"
    one = changes[0][0] if len(changes) == 1 else None  # the finding points at a lone cell
    return Finding(
        rule="duplicate_differs",
        severity=severity_of("duplicate_differs"),
        message=f"{s.what} 重复报送的 {other.source_path} 与本文件（计入汇总）有 {len(changes)} "
        f"处不一致：{shown}{more}",
        form=s.counted.key["form"],
        form_seq=s.counted.key["form_seq"],
        project=s.counted.key["project"],
        section=one[0] if one else None,
        item=one[3] if one else None,
        measure=one[5] if one else None,
        source_path=s.counted.source_path,
    )


def cell_words(cell: tuple, names: dict[str, str]) -> str:
    """A cell in the form's own words: 资金 年度资金总额 全年执行数, 绩效指标 产出指标 数量指标
    培训人次 实际完成值 (the row's second of its name said as 第2行)."""
    section, level1, level2, item, item_seq, measure = cell
    words = [section_name(section), level1, level2]
    words.append(item if item not in words else None)  # 总分's row in the 总分 section: once
    if item_seq:
        words.append(f"（第{item_seq + 1}行）")
    if measure not in ("value", None):
        words.append(names.get(measure, measure))
    return " ".join(w for w in words if w)


def _shown(value: str | None) -> str:
    if value is None:
        return "（空）"
    return value if value.strip() else "（空）"


def _copy_preference(copy: Copy) -> tuple:
    """Sorts the copy that counts first: born digital, then the latest 填报日期, then the first
    in source_path order."""
    filed = copy.key.get("filed") or ""
    latest_first = [-ord(c) for c in filed]  # 填报日期 is written YYYY-MM-DD
    return (copy.key.get("source_format") == "pdf_scan", not filed, latest_first, copy.order)


def _same_or_not(counted: Copy, other: Copy) -> str:
    """Whether the copy left out says what the counted one says, in words."""
    if other.key["digest"] == counted.key["digest"]:
        return "两份内容一致"
    return f"两份内容不一致，不一致之处见 {counted.source_path} 的“重复报送内容不一致”"


def _why_counted(counted: Copy, other: Copy) -> str:
    """Why the copy that counts was preferred to `other`, in words."""
    a, b = counted.key, other.key
    if (a.get("source_format") == "pdf_scan") != (b.get("source_format") == "pdf_scan"):
        return "电子文件优先于扫描件"
    if (a.get("filed") or "") != (b.get("filed") or ""):
        return f"填报日期 {a['filed']} 较晚"
    return "按文件名顺序取在前者"


def cells_by_copy(rows: Iterable[Row], wanted: set[tuple[str, str, int]]) -> dict[tuple, Cells]:
    """The cells of the `wanted` copies among `rows` (values rows of the season)."""
    out: dict[tuple, Cells] = defaultdict(dict)
    for row in rows:
        place = (row["source_path"], row["form"], row["form_seq"])
        if place in wanted and not is_filed_date(row):
            out[place][cell_of(row)] = (row["value_text"], compared(row))
    return out
