"""Header rows: what a row of column headers says about the rows below it.

Pure functions of the header texts and the vocabulary: a header's meaning (a measure, an
indicator role, or unknown) is looked up by its words, never by its position. A header written
with a year (`2024年决算数`), letters (`全年预算数(A)`), a formula (`小计\n④=①+②+③`), a unit or a
weight in brackets (`分值(10分)`, `执行率(%)`) means what its words mean.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from extractors import Cell
from pipeline.definitions import ItemDef, SectionDef, Vocabulary
from pipeline.forms.normalize import label_key, peel_notes, split_year

INDICATOR_ROLES = ("level1", "level2", "item")
TARGET_PARTS = ("target_comparator", "target_unit")  # 指标性质 | 指标值 | 度量单位
LABEL_ROLES = (*INDICATOR_ROLES, "level1_weight", "level2_weight")
MIN_CUT_HEADER = 5  # characters: a shorter piece of a header is too ambiguous to complete
CUT_SHARE = 0.7  # of a header's characters a cut piece must keep
MIN_MISREAD_HEADER = 4  # characters: a shorter scanned header one character off is too ambiguous
MIN_GARBLED_HEADER = 3  # and an unsure one (read through a seal), its row's others known
_FORMULA = re.compile(r"[①②③④⑤⑥⑦⑧⑨⑩][^①②③④⑤⑥⑦⑧⑨⑩]*$|[=＝].*$")
_CIRCLED = re.compile(r"[①②③④⑤⑥⑦⑧⑨⑩]")
# a letter note whose brackets the recogniser misread or lost (`全年预算数A)`, `全年执行数(Bi`,
# `执行率(B/A|`): Latin letters and the signs of a formula after a header's words, its closing
# bracket missing or read as | ] or a letter; on a label_key (lower case, full width folded)
_BROKEN_LETTER_NOTE = re.compile(r"[(（]?[a-z][a-z/×*÷+\-\d%]{0,6}[)）|\]]?$")
_INDEXES: dict[int, tuple[Vocabulary, HeaderIndex]] = {}
# Latin letters and quotes at a key's ends: no label or header of a form has them there (its
# letters are in brackets: 执行率(B/A)), a scan's specks read as characters do
_SPECKS = re.compile(r"^[a-z'\"“”‘’`]+|[a-z'\"“”‘’`]+$")


def without_specks(key: str) -> str:
    """A label's key without the specks a scan read at its ends (`p总分mv` → 总分)."""
    return _SPECKS.sub("", key)


@dataclass(frozen=True)
class Column:
    c0: int
    c1: int  # exclusive
    name: str  # a measure, a role, or an unknown header's label
    known: bool = True


@dataclass
class ColumnMap:
    """What a header row (or two stacked header rows) says about the rows below it."""

    section: SectionDef
    columns: list[Column]
    boundary: int  # first column of values; labels stand left of it
    default_item: ItemDef | None = None
    money_unit: str | None = None
    column_units: dict[str, str] = field(default_factory=dict)
    row: int = -1  # the grid row of the (last) header row

    def role(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def cell(self, row: list[Cell | None], name: str) -> Cell | None:
        """The row's cell in the column of role `name`; None where the map has no such column
        or the row stops short of it (a narrower table continuing under these headers)."""
        column = self.role(name)
        if column is None or column.c0 >= len(row):
            return None
        return row[column.c0]

    def has(self, name: str) -> bool:
        return any(c.name == name for c in self.columns)

    @property
    def splits_target(self) -> bool:
        """Is the target written over 指标性质 | 指标值 | 度量单位 columns?"""
        return any(c.name in TARGET_PARTS for c in self.columns)


@dataclass(frozen=True)
class HeaderIndex:
    """Header words → meaning, built once per vocabulary; each header text is resolved once."""

    measures: dict[str, str]
    roles: dict[str, str]
    resolved: dict[str, Meaning] = field(default_factory=dict, compare=False, repr=False)
    cut: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)
    misread: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)
    twins: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, vocabulary: Vocabulary) -> HeaderIndex:
        index = _INDEXES.get(id(vocabulary))
        if index is None or index[0] is not vocabulary:
            roles = {label_key(w): role for role, words in vocabulary.roles.items() for w in words}
            twins = {
                char: group.replace(char, "") for group in vocabulary.confusables for char in group
            }
            index = (vocabulary, cls(vocabulary.header_index(), roles, twins=twins))
            _INDEXES[id(vocabulary)] = index
        return index[1]

    def meaning(self, key: str) -> str | None:
        return self.measures.get(key) or self.roles.get(key)

    def cut_meaning(self, key: str) -> str | None:
        """A header whose last characters a page break or a wrap cut off (`偏差原因分析及改进措`):
        the one meaning of the known headers it begins with most of their characters."""
        if len(key) < MIN_CUT_HEADER:
            return None
        if key not in self.cut:  # each text looked up once per vocabulary
            self.cut[key] = self._sole_meaning(
                lambda word: word.startswith(key) and len(key) >= CUT_SHARE * len(word)
            )
        return self.cut[key]

    def misread_meaning(self, key: str) -> str | None:
        """A scanned header one character off a known one (`全年预数`, `仑年执行数`, `执行率b/a)`:
        a character the recogniser lost, took for its look-alike, or read from a speck at an
        end): the one meaning of the known headers of at least MIN_MISREAD_HEADER characters
        it is so near; None if they disagree. (`年度预算数` is no misread `年初预算数`: 度 and 初
        are no look-alikes.)"""
        if len(key) < MIN_MISREAD_HEADER:
            return None
        if key not in self.misread:  # each text looked up once per vocabulary
            self.misread[key] = self._sole_meaning(
                lambda word: len(word) >= MIN_MISREAD_HEADER and misread_of(key, word, self.twins)
            )
        return self.misread[key]

    def garbled_meaning(self, key: str, taken: frozenset[str]) -> str | None:
        """An unsure scanned header (read through a seal's ink, its score low) a character off
        a known one (two, from MIN_MISREAD_HEADER characters on), whatever it was taken for
        (`3年预算数`: 全 under a seal's ring read as 3; `抵行率(B,A)`; `年执待数`: 全 lost, 行
        read 待): the one meaning of the known headers it
        is so near, but those its row names already (`taken`: 年初预算数 beside it, so not
        本年预算数); None if they disagree."""
        if not key:
            return None
        if len(key) < MIN_GARBLED_HEADER:  # `得` of 得分: its last character lost under a seal
            return self._sole_meaning(
                lambda word: len(word) == len(key) + 1 and word.startswith(key), taken
            )
        for edits in (1, 2) if len(key) >= MIN_MISREAD_HEADER else (1,):  # the nearest first
            near = {
                word
                for words in (self.measures, self.roles)
                for word in words
                if abs(len(word) - len(key)) <= edits and edit_distance(key, word) == edits
            }
            if near:
                return self._sole_meaning(lambda word, near=near: word in near, taken)
        return None

    def _sole_meaning(
        self, near: Callable[[str], bool], taken: frozenset[str] = frozenset()
    ) -> str | None:
        """The one meaning of the known headers `near` holds for, but `taken`; None for none
        or two."""
        names = {
            name
            for words in (self.measures, self.roles)
            for word, name in words.items()
            if near(word)
        } - taken
        return names.pop() if len(names) == 1 else None


def misread_of(read: str, word: str, twins: dict[str, str]) -> bool:
    """Is `read` the `word` with one character lost, one taken for its look-alike (`twins`),
    or one more at either end (a speck read as a character)?"""
    if len(read) == len(word) - 1:
        return any(word[:i] + word[i + 1 :] == read for i in range(len(word)))
    if len(read) == len(word) + 1:
        return read[1:] == word or read[:-1] == word
    if len(read) != len(word) or read == word:
        return False
    changed = [(a, b) for a, b in zip(read, word, strict=True) if a != b]
    return len(changed) == 1 and changed[0][0] in twins.get(changed[0][1], "")


def edit_distance(read: str, word: str) -> int:
    """How many characters lost, added or changed turn one text into the other."""
    previous = list(range(len(word) + 1))
    for i, a in enumerate(read, start=1):
        current = [i]
        for j, b in enumerate(word, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class Meaning:
    name: str | None
    year: int | None
    notes: tuple[str, ...]
    guessed: bool = False  # named only as the header its last characters were cut from


_ALTERNATIVES = re.compile(r"[/／、]")


def header_candidates(text: str) -> tuple[int | None, list[str], tuple[str, ...]]:
    """The keys a header is looked up by, most literal first, with its year and notes."""
    key = label_key(text)
    year, rest = split_year(key)
    candidates = [key, rest]
    base, notes = peel_notes(rest)
    candidates.append(base)
    cut = _FORMULA.sub("", _CIRCLED.sub("", rest)) if _CIRCLED.search(rest) or "=" in rest else rest
    if cut != rest:
        cut_base, cut_notes = peel_notes(cut)
        candidates += [cut, cut_base]
        notes = notes or cut_notes
    return year, candidates, notes


def resolve_header(text: str, index: HeaderIndex, scanned: bool = False) -> Meaning:
    """A header cell's measure or role, the year written in it, and its bracketed notes; a
    `scanned` one (read by OCR) also as the known header it is one character off, a guess."""
    known = index.resolved.get(text)
    if known is None:
        known = index.resolved[text] = _resolve(text, index)
    if known.name is None and scanned:
        return _misread(text, index) or known
    return known


def garbled_header(text: str, index: HeaderIndex, taken: frozenset[str]) -> Meaning | None:
    """An unsure scanned header (read through a seal, its score low) as the known one it is any
    one character off, of the meanings its row does not name already (`taken`): a guess."""
    year, candidates, notes = header_candidates(text)
    for candidate in candidates:
        name = index.garbled_meaning(candidate, taken)
        if name is not None:
            return Meaning(name, year, notes, guessed=True)
    return None


def _misread(text: str, index: HeaderIndex) -> Meaning | None:
    """A scanned header as the known one it is with the specks at its ends left out, or one
    character off (HeaderIndex.misread_meaning): a guess."""
    year, candidates, notes = header_candidates(text)
    cores = [without_specks(c) for c in candidates]
    for candidate in cores:
        name = index.meaning(candidate)
        if name is not None:
            return Meaning(name, year, notes, guessed=True)
    for candidate in [*candidates, *cores]:
        name = index.misread_meaning(candidate)
        if name is not None:
            return Meaning(name, year, notes, guessed=True)
    return None


def _resolve(text: str, index: HeaderIndex) -> Meaning:
    year, candidates, notes = header_candidates(text)
    for candidate in candidates:
        name = index.meaning(candidate)
        if name is not None:
            return Meaning(name, year, notes)
    for candidate in candidates:
        name = index.cut_meaning(candidate)
        if name is not None:
            return Meaning(name, year, notes, guessed=True)
    name = _broken_note_meaning(candidates[1], index)
    if name is not None:  # a guess wherever it is read: its values unsure, never rejected
        return Meaning(name, year, notes, guessed=True)
    return Meaning(_alternatives_meaning(candidates[-1], index), year, notes)


def _broken_note_meaning(key: str, index: HeaderIndex) -> str | None:
    """A known header after which a letter note was misread (`全年执行数(Bi`): the header's
    meaning, guessed (its note unread), so the values under it are unsure."""
    base = _BROKEN_LETTER_NOTE.sub("", key)
    if base == key or len(base) < 2:
        return None
    return index.meaning(base)


def _alternatives_meaning(key: str, index: HeaderIndex) -> str | None:
    """`自评内容/完成情况`: two words for one meaning, each known, the same."""
    parts = [p for p in _ALTERNATIVES.split(key) if p]
    if len(parts) < 2:
        return None
    names = {index.meaning(p) for p in parts}
    return names.pop() if len(names) == 1 else None


def wanted_names(section: SectionDef) -> set[str]:
    """The names a header row of this section may hold."""
    names = set(section.measures)
    if section.kind == "indicators":
        names |= {*INDICATOR_ROLES, *TARGET_PARTS}
    return names


def best_section(names: set[str], sections: tuple[SectionDef, ...]) -> SectionDef | None:
    """The column section whose headers this row holds most of (at least two)."""
    best: tuple[int, SectionDef] | None = None
    for section in sections:
        if section.kind not in ("columns", "indicators"):
            continue
        score = len(names & wanted_names(section))
        if score >= 2 and (best is None or score > best[0]):
            best = (score, section)
    return best[1] if best else None


def name_level_weights(columns: list[Column]) -> list[Column]:
    """Hainan's `一级指标 分值 二级指标 分值 三级指标 分值 得分`: a weight column right after a
    一级 or 二级 label column is that group's weight, not the indicator's."""
    out: list[Column] = []
    for i, column in enumerate(columns):
        before = columns[i - 1].name if i else None
        if column.name == "weight" and before in ("level1", "level2"):
            column = Column(column.c0, column.c1, f"{before}_weight", column.known)
        out.append(column)
    return out


def stack_columns(upper: list[Column], lower: list[Column]) -> list[Column]:
    """A second header row under the first: its columns replace the ones they sit under (年度指标值
    over 指标性质 | 指标值 | 度量单位), the others (merged down over both rows) stay."""
    kept = [c for c in upper if not any(c.c0 < n.c1 and n.c0 < c.c1 for n in lower)]
    return sorted([*kept, *lower], key=lambda c: c.c0)


def value_boundary(columns: list[Column]) -> int:
    """The first column of values: the first known value column, or the first column of any
    kind right of the label columns (一级 | 二级 | 三级), so no value cell is taken for a label."""
    value_cols = [c.c0 for c in columns if c.known and c.name not in LABEL_ROLES]
    labels_end = max((c.c1 for c in columns if c.name in INDICATOR_ROLES), default=None)
    if labels_end is not None:
        value_cols += [c.c0 for c in columns if c.name not in LABEL_ROLES and c.c0 >= labels_end]
    return min(value_cols) if value_cols else 0


def best_column(cell: Cell, columns: list[Column]) -> Column | None:
    """The header column this cell overlaps most."""
    best: tuple[int, Column] | None = None
    for column in columns:
        overlap = min(cell.col + cell.colspan, column.c1) - max(cell.col, column.c0)
        if overlap > 0 and (best is None or overlap > best[0]):
            best = (overlap, column)
    return best[1] if best else None
