"""The analyst's corrections file: what each line says, in the pipeline's names.

One line per correction, headers in Chinese as an analyst writes them:

    record_id | 文件 | 表 | 表序号 | 项目 | 部分 | 项目行 | 指标 | 原值 | 更正值 | 更正人 | 原因 | 日期

A line names its value by `record_id` (the values table's, as the template writes it) or by
文件 + 表 + 项目行 + 指标 (with 表序号, 项目, 部分 where that is not enough). 指标 is a measure
(its id or any header the vocabulary knows: 执行率, 得分 …), or a reading of the document:
单位 (the whole file), 项目 or 年度 (a form's), 表类型 (the form 表 + 表序号 names, read as
another kind: the file is read again with it). 原值 is what the file says there (the template
fills it in); without it, what the file said when the line was first applied is remembered.
A line with an empty 更正值 is not a correction (an unfilled template line) and is passed over.
How the lines are applied is `pipeline/corrections/apply.py`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.corrections.sheet import CorrectionFileError, RawLine, read_lines
from pipeline.definitions import Catalog, load_catalog
from pipeline.forms.normalize import fold_value_width, label_key, remove_whitespace
from pipeline.names import FORM_NAMES, SECTION_NAMES, measure_names

__all__ = ["CorrectionFileError", "CorrectionLine", "Corrections", "load_corrections"]

# column → the headers that name it (compared by label_key: width, case, spaces folded)
COLUMNS = {
    "record_id": ("record_id", "记录ID", "记录编号"),
    "source_path": ("文件", "文件名", "source_path"),
    "form": ("表", "表名", "表格", "form"),
    "form_seq": ("表序号", "form_seq"),
    "project": ("项目", "项目名称", "project"),
    "section": ("部分", "section"),
    "item": ("项目行", "行", "item"),
    "measure": ("指标", "栏", "measure"),
    "original": ("原值", "现值", "文件中的值"),
    "value": ("更正值",),
    "author": ("更正人",),
    "reason": ("原因", "更正原因"),
    "date": ("日期", "更正日期"),
}
REQUIRED_COLUMNS = ("value", "author", "reason")
HEADER_WORDS = {"value": "更正值", "author": "更正人", "reason": "原因"}

# 指标 words that correct a reading of the document rather than a value
READING_FIELDS = {
    "单位": "unit",
    "项目": "project",
    "项目名称": "project",
    "年度": "fiscal_year",
    "表类型": "form",
    "表的类型": "form",
}
FIELD_NAMES = {
    "value": "值",
    "unit": "单位",
    "project": "项目",
    "fiscal_year": "年度",
    "form": "表类型",
}


@dataclass(frozen=True)
class CorrectionLine:
    """One line of the corrections file, its names resolved to the pipeline's."""

    line: int
    field: str  # "value" | "unit" | "project" | "fiscal_year" | "form"
    value: str  # 更正值 as written
    record_id: str | None = None
    source_path: str | None = None
    form: str | None = None
    form_seq: int | None = None
    project: str | None = None
    section: str | None = None
    item: str | None = None
    measure: str | None = None
    original: str | None = None  # 原值
    author: str | None = None
    reason: str | None = None
    date: str | None = None
    problem: str | None = None  # why it cannot be applied as written, in words
    new_form: str | None = None  # a form's kind: the kind 更正值 names

    @property
    def kind_request(self) -> tuple[str, int, str]:
        """A form-kind line as the reader takes it: (kind read, form_seq read, kind it is)."""
        return (self.form or "", self.form_seq or 0, self.new_form or "")

    @property
    def correction_id(self) -> str:
        """Stable over 更正人, 原因, 日期 and the line's place in the file."""
        target = (
            self.field,
            self.record_id,
            self.source_path,
            self.form,
            self.form_seq,
            self.project,
            self.section,
            self.item,
            self.measure,
            same_text(self.original) if self.original else None,
            self.value,
        )
        text = json.dumps(target, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Corrections:
    """Every line of a corrections file (none when no file was given)."""

    lines: tuple[CorrectionLine, ...] = ()
    path: str | None = None
    blank: int = 0  # lines with no 更正值 (an unfilled template line), passed over

    @property
    def fingerprint(self) -> str:
        """What the lines say: the same lines give the same fingerprint however saved."""
        text = json.dumps([asdict(line) for line in self.lines], ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


NO_CORRECTIONS = Corrections()


def same_text(text: str) -> str:
    """What two values are compared by: white space dropped, full-width digits folded."""
    return remove_whitespace(fold_value_width(text))


def load_corrections(path: Path | None, catalog: Catalog | None = None) -> Corrections:
    """The corrections file's lines. A file that cannot be used at all raises
    CorrectionFileError (in words); a line that cannot be used is kept with its problem."""
    if path is None:
        return NO_CORRECTIONS
    catalog = catalog or load_catalog()
    header, raw_lines = read_lines(Path(path))
    columns = _columns(header)
    missing = [HEADER_WORDS[c] for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise CorrectionFileError(
            f"更正文件 {Path(path).name} 的表头缺少“{'”“'.join(missing)}”列"
            f"（第一行应是：record_id、文件、表、项目、部分、项目行、指标、原值、更正值、更正人、原因、日期）"
        )
    names = Names.of(catalog)
    lines: list[CorrectionLine] = []
    blank = 0
    for raw in raw_lines:
        cells = {column: raw.cells.get(header_, "") for column, header_ in columns.items()}
        if not cells.get("value"):
            blank += 1
            continue
        lines.append(_line(raw, cells, names))
    return Corrections(tuple(lines), str(path), blank)


def _columns(header: list[str]) -> dict[str, str]:
    """Column → the header as written in this file (the first that names it)."""
    by_key = {label_key(word): column for column, words in COLUMNS.items() for word in words}
    found: dict[str, str] = {}
    for written in header:
        column = by_key.get(label_key(written))
        if column is not None and column not in found:
            found[column] = written
    return found


@dataclass(frozen=True)
class Names:
    """The words a line may use for a form, a section or a measure, by label_key."""

    forms: dict[str, str]
    sections: dict[str, str]
    measures: dict[str, str]

    @classmethod
    def of(cls, catalog: Catalog) -> Names:
        forms = {label_key(f): f for f in catalog.forms}
        for form in catalog.forms.values():
            for title in (FORM_NAMES.get(form.form), *form.titles):
                if title:
                    forms.setdefault(label_key(title), form.form)
        sections = {label_key(s): s for form in catalog.forms.values() for s in _sections(form)}
        sections.update({label_key(word): s for s, word in SECTION_NAMES.items()})
        measures = {label_key(m): m for m in catalog.vocabulary.measures}
        measures.update(
            {k: m for k, m in catalog.vocabulary.header_index().items() if k not in measures}
        )
        measures.update({label_key(word): m for m, word in measure_names().items()})
        measures.update({label_key(m): m for m in ("amount", "value")})
        return cls(forms, sections, measures)

    def form(self, text: str) -> str | None:
        return self.forms.get(label_key(text)) or load_catalog().form_for_title(text)


def _sections(form) -> list[str]:
    return [s.section for s in form.sections]


def _line(raw: RawLine, cells: dict[str, str], names: Names) -> CorrectionLine:
    """A raw line in the pipeline's names, or with the problem that stops it."""
    problems: list[str] = []
    fields: dict[str, object] = {
        "line": raw.line,
        "value": cells["value"],
        "record_id": cells.get("record_id") or None,
        "source_path": cells.get("source_path") or None,
        "project": cells.get("project") or None,
        "item": cells.get("item") or None,
        "original": cells.get("original") or None,
        "author": cells.get("author") or None,
        "reason": cells.get("reason") or None,
        "date": cells.get("date") or None,
    }
    measure_text = cells.get("measure", "")
    field = READING_FIELDS.get(remove_whitespace(measure_text), "value")
    fields["field"] = field
    if field == "value" and measure_text:
        fields["measure"] = names.measures.get(label_key(measure_text))
        if fields["measure"] is None:
            problems.append(f"指标“{measure_text}”不是已知的栏目（如 执行率、得分、全年执行数）")
    if form_text := cells.get("form"):
        fields["form"] = names.form(form_text)
        if fields["form"] is None:
            problems.append(f"表“{form_text}”不是已知的表（如 {'、'.join(FORM_NAMES.values())}）")
    if seq := cells.get("form_seq"):
        if seq.isdigit():
            fields["form_seq"] = int(seq)
        else:
            problems.append(f"表序号“{seq}”应是 0、1、2 这样的整数")
    if section_text := cells.get("section"):
        fields["section"] = names.sections.get(label_key(section_text))
        if fields["section"] is None:
            problems.append(f"部分“{section_text}”不是已知的部分（如 资金、绩效指标、总分）")
    if not fields["author"]:
        problems.append("没有写更正人")
    if not fields["reason"]:
        problems.append("没有写更正原因")
    if field == "form":
        fields["new_form"] = names.form(cells["value"])
        if fields["new_form"] is None:
            problems.append(
                f"更正值“{cells['value']}”不是已知的表（如 {'、'.join(FORM_NAMES.values())}）"
            )
    if not problems:
        problems += _target_problems(fields, field)
    return CorrectionLine(**fields, problem="；".join(problems) or None)


def _target_problems(fields: dict[str, object], field: str) -> list[str]:
    """What a line lacks to name the place it corrects."""
    if field == "value":
        if fields.get("record_id"):
            return []
        missing = [
            word
            for key, word in (("source_path", "文件"), ("item", "项目行"), ("measure", "指标"))
            if not fields.get(key)
        ]
        if missing:
            return [f"没有 record_id，也没有写{'、'.join(missing)}：找不到要更正的值"]
        return []
    if not fields.get("source_path"):
        return [f"更正{FIELD_NAMES[field]}要写明文件"]
    if field == "form" and not fields.get("form"):
        return ["更正表类型要在“表”中写明这张表读成了哪一种表（表序号默认为 0）"]
    return []
