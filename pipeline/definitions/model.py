"""The model of the form definitions and the shared vocabulary: frozen dataclasses, as the mapping
reads them (loaded and checked from `schemas/` by `pipeline.definitions.load`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.forms.normalize import ValueParser, label_key
from pipeline.forms.scales import Scales
from pipeline.forms.titles import title_matches


@dataclass(frozen=True)
class ItemDef:
    item: str
    parent: str | None
    synonyms: tuple[str, ...]
    open_children: bool
    carries: str | None


@dataclass(frozen=True)
class SectionDef:
    section: str
    kind: str  # columns | label_value | inline | indicators
    items: tuple[ItemDef, ...]
    measures: tuple[str, ...]
    measure: str | None
    anchors: tuple[str, ...]
    blocks: tuple[str, ...]
    groups: tuple[str, ...]
    group_section: str | None
    pair_measure: str | None = None
    open_items: bool = False
    level2_parents: dict[str, str] = field(default_factory=dict)
    item_column_measure: str | None = None

    @property
    def total_item(self) -> ItemDef | None:
        """The section's first item with no parent (年度资金总额, 总分)."""
        return next((i for i in self.items if i.parent is None), None)


@dataclass(frozen=True)
class Clue:
    """Words that speak for a form where they stand (a title, a head label …), and how much."""

    keys: frozenset[str]  # the words' label keys
    weight: float


@dataclass(frozen=True)
class FormDef:
    form: str
    titles: tuple[str, ...]
    money_unit: str
    sections: tuple[SectionDef, ...]
    checks: dict[str, Any] = field(default_factory=dict)
    signature: dict[str, tuple[Clue, ...]] = field(default_factory=dict)  # title, head, headers …

    def section(self, name: str) -> SectionDef:
        return next(s for s in self.sections if s.section == name)

    def carries(self, what: str) -> ItemDef | None:
        """The header item that carries the unit or the project, if the form has one."""
        return next((i for s in self.sections for i in s.items if i.carries == what), None)


@dataclass(frozen=True)
class MeasureDef:
    measure: str
    headers: tuple[str, ...]
    unit: str | None  # a unit, "@money" for the table's money unit, or None
    numeric: bool
    prior_year: str | None
    always_number: bool = False  # an amount, a headcount, an area: words there are misplaced


@dataclass(frozen=True)
class FooterItem:
    item: str
    synonyms: tuple[str, ...]
    date: bool
    shape: re.Pattern[str] | None = None  # what its value is written with (a phone's digits)


@dataclass(frozen=True)
class RatingBand:
    """The 总分 range a 自评等级 word stands for: low ≤ score < high (None: open)."""

    ratings: tuple[str, ...]
    low: float | None
    high: float | None

    def holds(self, score: float) -> bool:
        return (self.low is None or score >= self.low) and (self.high is None or score < self.high)

    def words(self) -> str:
        """The band in a clerk's words: 优（90 分及以上）."""
        if self.high is None:
            span = f"{self.low:g} 分及以上"
        elif self.low is None:
            span = f"{self.high:g} 分以下"
        else:
            span = f"{self.low:g}–{self.high:g} 分"
        return f"{self.ratings[0]}（{span}）"


@dataclass(frozen=True)
class Vocabulary:
    measures: dict[str, MeasureDef]
    roles: dict[str, tuple[str, ...]]
    placeholders: tuple[str, ...]
    template_labels: tuple[str, ...]
    money_unit_declarations: tuple[str, ...]
    footer_items: tuple[FooterItem, ...]
    parser: ValueParser
    ratings: tuple[str, ...] = ()
    generic_titles: tuple[str, ...] = ()
    # what ends a heading over several forms (`…绩效自评表汇编`): no form's title
    collection_titles: tuple[str, ...] = ()
    # what ends a place's name (湘潭市, 沾益区): a unit's name read as no more is a piece of one
    place_endings: tuple[str, ...] = ()
    column_groups: tuple[str, ...] = ()  # words over several measure columns (预算安排, 拨付情况)
    comparator_headers: tuple[str, ...] = ()  # a sign column that joins the target on its own
    not_form_titles: tuple[str, ...] = ()  # words that say a table is no self-evaluation
    rating_bands: tuple[RatingBand, ...] = ()  # the 总分 a 自评等级 word stands for
    title_tails: tuple[str, ...] = ()  # what may follow a title that lost its 表 (情况公示)
    page_marks: tuple[re.Pattern, ...] = ()  # `第 2 页 共 3 页`: a page's number, no text of a form
    kind_margin: float = 3.0  # two forms' evidence closer than this is a close call
    confusables: tuple[str, ...] = ()  # groups of characters the recogniser takes for each other
    scales: Scales | None = None  # the multipliers (万, 亿) and the money units

    def is_page_mark(self, text: str) -> bool:
        """`第 2 页 共 3 页`, `- 2 -`: a page number printed between a form's tables."""
        key = label_key(text)
        return bool(key) and any(p.match(key) for p in self.page_marks)

    def header_index(self) -> dict[str, str]:
        """Header key → measure name."""
        return {label_key(h): m.measure for m in self.measures.values() for h in m.headers}


@dataclass(frozen=True)
class Catalog:
    """Everything the mapping needs: the vocabulary and a definition per form."""

    vocabulary: Vocabulary
    forms: dict[str, FormDef]  # in catalogue order: the order of the documents table's n_* columns
    # every two neighbouring CJK characters the definitions and vocabulary write (项目, 自评)
    word_pairs: frozenset[str] = frozenset()

    @property
    def form_order(self) -> tuple[str, ...]:
        return tuple(self.forms)

    def titles_in(self, text: str) -> dict[str, int]:
        """Each form whose title occurs in `text`, with the length of its longest title there."""
        form_titles = ((f.form, f.titles) for f in self.forms.values())
        return title_matches(form_titles, self.vocabulary.title_tails, text)

    def form_for_title(self, text: str) -> str | None:
        """The form whose title words occur in `text`, if any (longest title wins)."""
        best: tuple[int, str] | None = None
        for form, length in self.titles_in(text).items():
            if best is None or length > best[0]:
                best = (length, form)
        return best[1] if best else None
