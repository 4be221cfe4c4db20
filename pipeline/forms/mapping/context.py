"""What the row readers share while one form is mapped: the form's definition looked up by
label, the cross-row state, and the slots and findings written so far."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors import Cell, TextLine
from pipeline.checks.catalogue import severity_of
from pipeline.definitions import FormDef, ItemDef, SectionDef, Vocabulary
from pipeline.forms.mapping.headers import ColumnMap, HeaderIndex, resolve_header, without_specks
from pipeline.forms.normalize import (
    fold_value_width,
    label_key,
    normalize_label,
    peel_notes,
    strip_text,
)
from pipeline.model import Finding, FormInstance, Slot

MIN_LOST_FIRST = 5  # characters a label must keep to be completed at its start
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_SPECK_TAIL = 3  # characters a scan may read from specks after a label
_SPECK_MARK = re.compile(r"[a-z'\"“”‘’`]")  # no label's tail; a speck read as a character
MIN_BLANKED, MAX_BLANKED = 2, 6  # a label's length where one speck may stand for a character
_BLANK = "\x00"  # a character left out of a label, for looking up the labels it may be
GUESSED = 0.5  # the confidence of a scanned label or header named only by a guess
# a weight note in a label (`（50分）`); two in one cell are the labels of rows no rule parted
_WEIGHT_IN_LABEL = re.compile(r"[（(]\s*\d+(?:\.\d+)?\s*分\s*[）)]")
STACKED_LABELS = 0.5


def _speck_like(tail: str) -> bool:
    """Is a label's tail specks read as characters: a letter, a quote or a digit among them
    (no label ends in one; a value run into it has a finding of its own)?"""
    return bool(_SPECK_MARK.search(tail)) or any(c.isdigit() for c in tail)


@dataclass(frozen=True)
class Resolved:
    section: SectionDef
    item: ItemDef


@dataclass
class RowState:
    """What earlier rows tell the next: the active headers, the open 一级/二级 labels, the last
    data row (a row cut by a page break goes on in it), the label cells already read."""

    active: ColumnMap | None = None
    header_row: int | None = None  # grid row of the last header row, to stack a second one
    open_parent: ItemDef | None = None
    level1: str | None = None
    level2: str | None = None
    level1_cell: int | None = None  # id of the cell the open 一级 label came from
    level1_recovered: bool = False  # the open 一级 is its 二级's parent, not a label read
    level1_group: int | None = None  # index in slots of the open 一级's indicator_groups row
    level2_page: int | None = None  # page of the cell the open 二级 label came from
    seen_cells: set[int] = field(default_factory=set)
    last_row: dict[str, int] = field(default_factory=dict)  # measure → index in slots
    last_row_page: int | None = None
    pending_weight: tuple[SectionDef, Cell] | None = None  # a block label's weight, for its header
    passed: set[str] = field(default_factory=set)  # sections whose headers came and went
    header_cells: tuple[Cell, ...] = ()  # the cells of the active header row(s)

    @property
    def in_head(self) -> bool:
        """Before the form's first column header: the head of label | value rows."""
        return self.active is None


def _rivals(ranked: list[Resolved], rank) -> bool:
    """Does a candidate of another item than the best's stand at the best's rank?"""
    return any(rank(r) == rank(ranked[0]) and r.item is not ranked[0].item for r in ranked[1:])


class MapContext:
    """One form instance being mapped."""

    def __init__(self, form: FormInstance, definition: FormDef, vocabulary: Vocabulary) -> None:
        self.instance = form
        self.definition = definition
        self.vocabulary = vocabulary
        self.index = HeaderIndex.of(vocabulary)
        self.labels: dict[str, list[Resolved]] = {}
        self.groups: dict[str, SectionDef] = {}
        self.blocks: dict[str, SectionDef] = {}
        for section in definition.sections:
            for item in section.items:
                for word in (item.item, *item.synonyms):
                    self.labels.setdefault(key_of(word), []).append(Resolved(section, item))
            for word in section.groups:
                self.groups[key_of(word)] = section
            for word in (*section.blocks, *section.anchors):
                self.blocks[key_of(word)] = section
        self.templates = [re.compile(p) for p in vocabulary.template_labels]
        self.ratings = {label_key(w) for w in vocabulary.ratings}
        self.money_unit = declared_money_unit(form.lines_before, vocabulary)
        self._block_keys: dict[str, bool] = {}
        self._block_texts: dict[str, bool] = {}  # the same answer by the text as written
        self._by_tail: dict[str, list[Resolved]] = {}  # a label less its first character
        self._by_blank: dict[str, list[Resolved]] = {}  # a label with one character blanked
        for key, resolved in self.labels.items():
            self._by_tail.setdefault(key[1:], []).extend(resolved)
            for i in range(len(key)):
                self._by_blank.setdefault(key[:i] + _BLANK + key[i + 1 :], []).extend(resolved)
        self.state = RowState()
        self.slots: list[Slot] = []
        self.findings: list[Finding] = []

    # ---------------------------------------------------------------- lookups

    def resolve(self, label: str, kinds: tuple[str, ...] | None = None) -> Resolved | None:
        """The item a row label names: under the active headers' section first, then the
        first section of the wanted kinds that knows it."""
        key = key_of(label)
        candidates = (
            self.labels.get(key)
            or self._first_lost(key)
            or self._specked(key)
            or self._speck_tail(label)
            or self._speck_for_char(key)
        )
        if kinds is not None:
            candidates = [c for c in candidates if c.section.kind in kinds]
        order = [s.section for s in self.definition.sections]
        active = self.state.active.section if self.state.active else None
        at = order.index(active.section) if active is not None else -1

        def rank(c: Resolved) -> int:
            if c.section is active:
                return 0
            later = order.index(c.section.section) > at
            return 1 if later and c.section.section not in self.state.passed else 2

        ranked = sorted(candidates, key=rank)  # 合计 after the indicators totals the scores
        if len(ranked) > 1 and key not in self.labels and _rivals(ranked, rank):
            return None  # a guess two items are as likely for
        return ranked[0] if ranked else None

    def naming_confidence(self, cell: Cell) -> float:
        """How sure a label or header cell is as what it names: its reading's confidence, but
        sure when the definitions spell it exactly (their words confirm each character the
        recogniser doubted: 主管部门 with its 部 at 0.59), and unsure when named only by a
        guess (a scan's misreading is as likely as a cut)."""
        if cell.confidence >= 1.0:
            return cell.confidence
        if self.guessed(cell.text):
            return min(cell.confidence, GUESSED)
        return 1.0 if self.spelled(cell.text) else cell.confidence

    def spelled(self, text: str) -> bool:
        """Do the definitions spell the text exactly: a row label, a header, a block label?"""
        key = key_of(text)
        return (
            key in self.labels
            or self.index.meaning(label_key(text)) is not None
            or self.block_section(text) is not None
        )

    def guessed(self, text: str) -> bool:
        """Was a label or header named only by a guess: as the header its last characters were
        cut from or a scan's reading is one character off, or as the label its first character
        was lost from? Not what it says. (Asked of scanned cells only.)"""
        key = key_of(text)
        if key in self.labels:
            return False
        meaning = resolve_header(text, self.index, scanned=True)
        if meaning.name is not None:
            return meaning.guessed
        return bool(
            self._first_lost(key)
            or self._specked(key)
            or self._speck_tail(text)
            or self._speck_for_char(key)
        )

    def _speck_for_char(self, key: str) -> list[Resolved]:
        """A short label a scan read with one of its characters as a speck, a letter or a
        quote (`总t`: the 分 of 总分 under a seal's ring read as a letter): the one item the
        labels of its length that agree in every other character name (resolve takes the one
        its place in the form speaks for, none where two are as likely)."""
        marks = [i for i, char in enumerate(key) if _SPECK_MARK.match(char)]
        if len(marks) != 1 or not MIN_BLANKED <= len(key) <= MAX_BLANKED:
            return []
        if not all(_HAS_CJK.match(c) for i, c in enumerate(key) if i != marks[0]):
            return []
        return self._by_blank.get(key[: marks[0]] + _BLANK + key[marks[0] + 1 :], [])

    def _specked(self, key: str) -> list[Resolved]:
        """A label a scan read with specks at its ends as letters or quotes (`p总分mv`: a
        seal's or a signature's ink beside it): the label the rest of it is, if any."""
        core = without_specks(key)
        return self.labels.get(core, []) if core != key and _HAS_CJK.search(core) else []

    def _speck_tail(self, text: str) -> list[Resolved]:
        """A label a scan read with up to MAX_SPECK_TAIL characters after it, a letter, a quote
        or a digit among them (`总分f'广`, `总分食”`, `总分赛7`: a seal's ink read as characters):
        the label before them. A guess: its values are unsure."""
        plain = "".join(text.split()).lower()
        for cut in range(max(len(plain) - MAX_SPECK_TAIL, 1), len(plain)):
            head, tail = key_of(plain[:cut]), plain[cut:]
            if len(head) >= 2 and _speck_like(tail) and head in self.labels:
                return self.labels[head]
        return []

    def _first_lost(self, key: str) -> list[Resolved]:
        """A label whose first character a page lost (`级预算单位名称` of 区级预算单位名称): the
        one item the labels a character longer that end with it name; none if they disagree."""
        found = self._by_tail.get(key, []) if len(key) >= MIN_LOST_FIRST else []
        return found if len({id(r.item) for r in found}) == 1 else []

    def is_block(self, text: str) -> bool:
        """A block label, or a piece of one cut by a page break (`绩效` of `绩效指标`)."""
        known = self._block_texts.get(text)
        if known is None:
            known = self._block_texts[text] = self._is_block_key(_block_key(text))
        return known

    def block_section(self, text: str) -> SectionDef | None:
        """The section `text` is a block label of (a whole one, not a piece)."""
        return self.blocks.get(_block_key(text))

    def _is_block_key(self, key: str) -> bool:
        known = self._block_keys.get(key)
        if known is None:
            known = self._block_keys[key] = key in self.blocks or (
                len(key) >= 2
                and key not in self.labels  # 年度总体目标 is an item, not a piece of a block label
                and any(block.startswith(key) or block.endswith(key) for block in self.blocks)
            )
        return known

    def is_template(self, label: str) -> bool:
        return bool(label) and any(p.match(label) for p in self.templates)

    def unit_word(self, note: str | None) -> str | None:
        return self.vocabulary.parser.declared_unit(note) if note else None

    def unit_for(self, measure: str, cm: ColumnMap | None) -> str | None:
        """The unit a value of `measure` takes where its cell states none."""
        spec = self.vocabulary.measures.get(measure)
        declared = cm.column_units.get(measure) if cm is not None else None
        if spec is None or spec.unit is None:
            # 实际完成值（万人次）: a unit the vocabulary knows, not any note (完成值（定量）)
            known = declared is not None and self.vocabulary.parser.unit_of(declared)
            return declared if known else None
        if declared is not None:
            return declared
        if spec.unit != "@money":
            return spec.unit
        if cm is not None and cm.money_unit:
            return cm.money_unit
        return self.money_unit or self.definition.money_unit

    def numeric(self, measure: str) -> bool:
        spec = self.vocabulary.measures.get(measure)
        return spec.numeric if spec else True

    # ---------------------------------------------------------------- output

    def emit(self, slot: Slot) -> int:
        self.slots.append(slot)
        return len(self.slots) - 1

    def emit_weight(self, section: str, item: str, weight_raw: str, cell: Cell, **labels) -> None:
        """A weight written in a label, `(50分)`: value_raw as written, the number from inside;
        unsure where the label's cell holds two (`产出指标（50分）\n效益指标（30分）`: the
        labels of rows no rule parted, read as one cell: whose weight is it?)."""
        stacked = len(_WEIGHT_IN_LABEL.findall(fold_value_width(cell.text))) > 1
        self.emit(
            Slot(
                section=section,
                item=item,
                measure="weight",
                value_raw=weight_raw,
                parse_text=weight_raw.strip("()（）") if weight_raw else None,
                default_unit="分",
                cell=cell,
                rests_on=STACKED_LABELS if stacked else 1.0,
                **labels,
            )
        )

    def unknown(self, text: str, cell: Cell | None, where: str) -> None:
        shown = strip_text(text) or "（空白）"
        item = normalize_label(text).text or None
        self.report("unknown_header", f"无法识别的栏目或行“{shown}”（{where}）", item, cell)

    def missing_label(self, which: str, item: str, cell: Cell | None) -> None:
        message = f"指标“{item or '（空白）'}”的{which}既读不出，也无法按指标体系推出"
        self.report("missing_label", message, item or None, cell, section="indicators")

    def close_call(self, rival_title: str) -> None:
        """The form's kind was a close call: say which, and what the other candidate was."""
        scores = self.instance.kind_scores or (0.0, 0.0)
        message = (
            f"表种不确定：按{self.definition.titles[0]}读取（证据 {scores[0]:g} 分），"
            f"但也像{rival_title}（证据 {scores[1]:g} 分）"
        )
        self.report("form_kind_uncertain", message, None, None)

    def report(
        self, rule: str, message: str, item: str | None, cell: Cell | None, section=None
    ) -> None:
        """A finding of the mapping, on this form, at the cell it is about."""
        self.findings.append(
            Finding(
                rule=rule,
                severity=severity_of(rule),
                message=message,
                form=self.instance.form,
                form_seq=self.instance.form_seq,
                section=section,
                item=item,
                page=cell.page if cell is not None else None,
            )
        )


def _block_key(text: str) -> str:
    """A block label's key: its words without notes (`项目资金（万元）` → 项目资金)."""
    return key_of(peel_notes(normalize_label(text).text)[0])


def key_of(text: str) -> str:
    return label_key(normalize_label(text).text)


def distinct(cells: list[Cell | None]) -> list[Cell]:
    seen: set[int] = set()
    out = []
    for cell in cells:
        if cell is not None and id(cell) not in seen:
            seen.add(id(cell))
            out.append(cell)
    return out


def declared_money_unit(lines: tuple[TextLine, ...], vocabulary: Vocabulary) -> str | None:
    """`单位：元` or `（万元）` on a line above a table (alone, or among other words)."""
    patterns = [re.compile(p) for p in vocabulary.money_unit_declarations]
    for line in lines:
        for part in (*re.split(r"\s{2,}", line.text.strip()), line.text):
            key = label_key(part)
            for pattern in patterns:
                match = pattern.search(key)
                if match:
                    return match.group("unit")
    return None
