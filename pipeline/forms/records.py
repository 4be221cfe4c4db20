"""From mapped slots to normalized records: values parsed, labels made canonical, the
document's unit, year and project carried onto every row, each record given a stable id."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from pipeline.definitions import Vocabulary
from pipeline.forms.mapping.footer import lines_to_unit
from pipeline.forms.normalize import (
    ParsedValue,
    fold_value_width,
    mixed_script,
    normalize_date,
    normalize_label,
    strip_text,
)
from pipeline.model import FormInstance, Record, Slot

# A budget code before a unit's or project's name: `219001-`, `[155]`, `51000021R000000019951-`.
_BUDGET_CODE = re.compile(
    r"^(?:[\[【［(（]\d{2,}[\]】］)）]|(?!(?:19|20)\d\d[-－—_])\d[0-9A-Za-z]{2,}[-－—_])"
)


@dataclass(frozen=True)
class SourceInfo:
    """What the records of one file share."""

    source_path: str
    source_sha256: str
    source_format: str
    extracted_at: datetime
    pipeline_version: str


def record_id(source_path: str, form: str, form_seq: int, *parts: str | None) -> str:
    """A stable hash of where a value sits: file, form, its instance and the slot's names."""
    text = "\x1f".join([source_path, form, str(form_seq), *("" if p is None else p for p in parts)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def split_budget_code(raw: str) -> tuple[str, str]:
    """A name's leading budget code (with its dash) and the name after it; "" for no code."""
    match = _BUDGET_CODE.match(raw)
    return (match.group(0), raw[match.end() :]) if match else ("", raw)


def name_of(raw: str) -> str | None:
    """A unit's or project's name as a label, its leading budget code dropped."""
    return _BUDGET_CODE.sub("", normalize_label(raw).text) or None


def _carried(slots: list[Slot], carries: str) -> str | None:
    return next((v for s in slots if s.carries == carries and (v := name_of(s.value_raw))), None)


def read_confidence(slot: Slot) -> float:
    """How sure a slot's value is: the least of its cell's (or line's) reading and of the
    labels and headers it rests on."""
    if slot.cell is not None:
        own = slot.cell.confidence
    else:
        own = slot.line.confidence if slot.line is not None else 1.0
    return min(own, slot.rests_on)


UNSURE = 0.5  # a scanned value whose key, name or number is in doubt
# a number with Latin letters or a sign after it that no unit of the vocabulary is (`≥12000m`:
# the ² of m² lost, `13560rn`, `97.20°`: the % read as a degree sign, `100)`): on a scan a mark
# the OCR lost or added, not the form's own word
_NUMBER_AND_LETTERS = re.compile(
    r"\s*[≥≤<>=＞＜]?\s*\d[\d.,]*\s*(?:[^\w\s]{0,2}[A-Za-z]{1,3}|[^\w\s]{1,2})\s*"
)  # `88%h`: a letter after the % too


def _key_confidence(slots: list[Slot]) -> float:
    """How sure the project name that keys every value of a form is: a project misread (a
    seal's character run into it, a letter for a stroke) puts each value under another key,
    so every value rests on it as on its own label. A scan's project cell read blank (its
    text lost under a seal or to a broken grid) leaves every value without its key."""
    carriers = [s for s in slots if s.carries == "project"]
    named = next((s for s in carriers if name_of(s.value_raw)), None)
    if named is not None:
        return read_confidence(named)
    scanned = any(s.cell is not None and s.cell.confidence < 1.0 for s in carriers)
    return UNSURE if scanned else 1.0


def _running_titles(forms: list[tuple[FormInstance, list[Slot]]]) -> set[tuple[str, str]]:
    """The kinds and titles a form of the document is named by before, or that open more
    than one of its forms: a heading printed again over later pages."""
    seen: Counter[tuple[str, str]] = Counter((form.form, form.title) for form, _ in forms)
    named = {(form.form, form.title) for form, slots in forms if _carried(slots, "project")}
    return named | {key for key, count in seen.items() if count > 1}


def _headless(form: FormInstance, slots: list[Slot], running: set[tuple[str, str]]) -> bool:
    """A form under a heading printed again (a named form's title, or one over several forms)
    that shows no project row at all: a sheet's title rows repeated over a later band of its
    pages opened a form of their own for a piece of the form above (its 总分, its footer), not
    a form the clerk left unnamed (whose blank name row is there, and missing_required says
    so) nor the tail of a form whose head is on a page not at hand (under a title of its own,
    or none). Its values are in doubt: their key is."""
    titled = bool(form.title.strip()) and (form.form, form.title) in running
    return titled and not any(s.carries == "project" for s in slots)


SHORTEST_NAME = 3  # characters: no unit or project is named by fewer (财政局)


def _in_doubt(slot: Slot, parsed: ParsedValue, vocabulary: Vocabulary) -> bool:
    """Is a scanned value in doubt whatever its characters' scores: a unit's or project's
    name read blank or a piece of one (no form leaves it so: its text lost under a seal, or
    cut off by a seal's ring read as a ruling line), a unit's name that is only a place's
    (`湘潭市`: the rest of it under a seal), a number with a unit lost, or a text in both
    traditional and simplified characters (a traditional one read as its simplified form)?"""
    if mixed_script(slot.value_raw):
        return True
    name = name_of(slot.value_raw) or ""
    if slot.carries is not None and len(name) < SHORTEST_NAME:
        return True
    if slot.carries in ("unit", "unit_fallback") and name.endswith(vocabulary.place_endings):
        return True
    return slot.numeric and _number_lost_unit(slot.value_raw, parsed)


def _number_lost_unit(raw: str, parsed: ParsedValue) -> bool:
    """A number written with a Latin unit the parser does not know (m for m², a letter for a
    stroke): no number was read from it, though it is plainly one."""
    return parsed.value_num is None and bool(_NUMBER_AND_LETTERS.fullmatch(raw))


def document_unit(forms: list[tuple[FormInstance, list[Slot]]]) -> str | None:
    """市级预算部门名称 of the dept form, else the first project or transfer form's 实施单位,
    else a 单位名称: line above a form."""
    for carries in ("unit", "unit_fallback"):
        for _, slots in forms:
            if found := _carried(slots, carries):
                return found
    for form, _ in forms:
        if (line := lines_to_unit(form.lines_before)) and (found := name_of(line)):
            return found
    return None


def slot_to_value(slot: Slot, vocabulary: Vocabulary) -> ParsedValue:
    """Normalize a slot's raw text into value_text, value_num, value_unit and comparator."""
    parser = vocabulary.parser
    if slot.is_date:
        parsed = parser.parse(slot.value_raw, None, numeric=False)
        date = normalize_date(slot.value_raw)
        return ParsedValue(date or parsed.value_text, None, None, None)
    if slot.parse_text is not None:
        number = parser.parse(slot.parse_text, slot.default_unit)
        text = fold_value_width(strip_text(slot.value_raw)) or None
        return ParsedValue(text, number.value_num, number.value_unit, number.comparator)
    return parser.parse(slot.value_raw, slot.default_unit, numeric=slot.numeric)


def forms_to_records(
    forms: list[tuple[FormInstance, list[Slot]]],
    source: SourceInfo,
    vocabulary: Vocabulary,
) -> list[Record]:
    """Every slot of every form of one document as a contract record, in document order."""
    unit = document_unit(forms)
    records: list[Record] = []
    keyed = _running_titles(forms)
    for form, slots in forms:
        project = _carried(slots, "project")
        keyed_on = UNSURE if _headless(form, slots, keyed) else _key_confidence(slots)
        seen: Counter[tuple] = Counter()
        for slot in slots:
            parsed = slot_to_value(slot, vocabulary)
            key_parts = (slot.section, slot.level1, slot.level2, slot.item, slot.measure)
            item_seq = seen[key_parts]  # the same labels again in one form: 1, 2 …
            seen[key_parts] += 1
            extra = (str(item_seq),) if item_seq else ()
            rid = record_id(source.source_path, form.form, form.form_seq, *key_parts, *extra)
            cell, line = slot.cell, slot.line
            bbox = cell.bbox if cell is not None else (line.bbox if line is not None else None)
            page = cell.page if cell is not None else (line.page if line is not None else None)
            confidence = min(read_confidence(slot), keyed_on)
            if confidence < 1.0 and _in_doubt(slot, parsed, vocabulary):
                confidence = min(confidence, UNSURE)
            if slot.numeric and vocabulary.parser.stacked_numbers(slot.value_raw):
                confidence = min(confidence, UNSURE)  # rows read as one cell: whose is which?
            records.append(
                Record(
                    record_id=rid,
                    source_path=source.source_path,
                    source_sha256=source.source_sha256,
                    source_format=source.source_format,
                    page=page,
                    form=form.form,
                    form_seq=form.form_seq,
                    fiscal_year=form.fiscal_year,
                    unit=unit,
                    project=project,
                    section=slot.section,
                    level1=slot.level1,
                    level2=slot.level2,
                    item=slot.item,
                    item_parent=slot.item_parent,
                    measure=slot.measure,
                    value_raw=slot.value_raw,
                    value_text=parsed.value_text,
                    value_num=parsed.value_num,
                    value_unit=parsed.value_unit,
                    comparator=parsed.comparator,
                    item_seq=item_seq,
                    row=cell.row if cell is not None else None,
                    col=cell.col if cell is not None else None,
                    bbox_x0=bbox.x0 if bbox else None,
                    bbox_top=bbox.top if bbox else None,
                    bbox_x1=bbox.x1 if bbox else None,
                    bbox_bottom=bbox.bottom if bbox else None,
                    confidence=confidence,
                    extracted_at=source.extracted_at,
                    pipeline_version=source.pipeline_version,
                )
            )
    return records
