"""Form definitions and the shared vocabulary, loaded from `schemas/` and checked when loaded.

A new province's wording is a change to these JSON files, not to code. Loading fails with a
DefinitionError naming the file and what is wrong.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from pipeline.forms.normalize import ValueParser, label_key, normalize_label
from pipeline.forms.scales import Scales
from pipeline.forms.titles import title_matches
from pipeline.forms.words import cjk_pairs, definition_words


def _schemas_dir() -> Path:
    """The folder of definitions and schemas: `schemas/` of a checkout, shipped in the wheel as
    the package `pipeline.schemas` (pyproject.toml), so found the same way wherever installed."""
    folder = resources.files("pipeline.schemas")
    if not isinstance(folder, Path):  # an install inside a zip archive: not supported
        raise ImportError(f"pipeline.schemas must be installed as files, not inside {folder}")
    return folder


SCHEMAS_DIR = _schemas_dir()


class DefinitionError(Exception):
    """A form definition or the vocabulary under schemas/ is not valid."""


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


@dataclass(frozen=True)
class FooterItem:
    item: str
    synonyms: tuple[str, ...]
    date: bool


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


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DefinitionError(f"{path}: cannot be read as JSON: {exc}") from exc


def _load_vocabulary(path: Path) -> Vocabulary:
    raw = _read_json(path)
    try:
        measures = {
            name: MeasureDef(
                measure=name,
                headers=tuple(spec.get("headers", ())),
                unit=spec.get("unit"),
                numeric=spec.get("numeric", True),
                prior_year=spec.get("prior_year"),
            )
            for name, spec in raw["measures"].items()
        }
        footer = tuple(
            FooterItem(i["item"], tuple(i.get("synonyms", ())), i.get("date", False))
            for i in raw["footer"]["items"]
        )
        scales = Scales.of_vocabulary(
            raw.get("unit_prefixes", {}),
            raw["money_units"],
            raw["units"],
            raw.get("not_measure_characters", ""),
        )
        parser = ValueParser(raw["units"], raw["comparators"], raw["placeholders"], scales)
        vocabulary = Vocabulary(
            measures=measures,
            roles={k: tuple(v) for k, v in raw["roles"].items()},
            placeholders=tuple(raw["placeholders"]),
            template_labels=tuple(raw["template_labels"]),
            money_unit_declarations=tuple(raw["money_unit_declarations"]),
            footer_items=footer,
            parser=parser,
            ratings=tuple(raw.get("ratings", ())),
            generic_titles=tuple(raw.get("generic_titles", ())),
            column_groups=tuple(raw.get("column_groups", ())),
            comparator_headers=tuple(raw.get("comparator_headers", ())),
            not_form_titles=tuple(raw.get("not_form_titles", ())),
            rating_bands=tuple(
                RatingBand(tuple(b["ratings"]), b["min"], b["max"])
                for b in raw.get("rating_bands", ())
            ),
            title_tails=tuple(raw.get("title_tails", ())),
            page_marks=tuple(re.compile(p) for p in raw.get("page_marks", ())),
            kind_margin=float(raw.get("kind_margin", 3.0)),
            confusables=tuple(raw.get("ocr_confusables", ())),
            scales=scales,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise DefinitionError(f"{path}: missing or malformed entry: {exc!r}") from exc
    except ValueError as exc:
        raise DefinitionError(f"{path}: {exc}") from exc
    for m in measures.values():
        if m.prior_year and m.prior_year not in measures:
            raise DefinitionError(f"{path}: measure {m.measure} names unknown {m.prior_year}")
    seen: dict[str, str] = {}
    for m in measures.values():
        for header in m.headers:
            key = label_key(header)
            if seen.get(key, m.measure) != m.measure:
                raise DefinitionError(
                    f"{path}: header {header} means both {seen[key]} and {m.measure}"
                )
            seen[key] = m.measure
    return vocabulary


def _section_from_json(raw: dict) -> SectionDef:
    return SectionDef(
        section=raw["section"],
        kind=raw["kind"],
        items=tuple(
            ItemDef(
                item=i["item"],
                parent=i.get("parent"),
                synonyms=tuple(i.get("synonyms", ())),
                open_children=i.get("open_children", False),
                carries=i.get("carries"),
            )
            for i in raw["items"]
        ),
        measures=tuple(raw.get("measures", ())),
        measure=raw.get("measure"),
        anchors=tuple(raw.get("anchors", ())),
        blocks=tuple(raw.get("blocks", ())),
        groups=tuple(raw.get("groups", ())),
        group_section=raw.get("group_section"),
        pair_measure=raw.get("pair_measure"),
        item_column_measure=raw.get("item_column_measure"),
        open_items=raw.get("open_items", False),
        level2_parents={
            label_key(k): normalize_label(v).text for k, v in raw.get("level2_parents", {}).items()
        },
    )


def _signature_from_json(raw: dict) -> dict[str, tuple[Clue, ...]]:
    return {
        where: tuple(
            Clue(frozenset(_clue_key(where, w) for w in c["words"]), c["weight"]) for c in clues
        )
        for where, clues in raw.items()
    }


def _clue_key(where: str, word: str) -> str:
    """Title words are found inside a title as written; labels as a label cell is read."""
    return label_key(word) if where == "title" else label_key(normalize_label(word).text)


def _check_form(form: FormDef, vocabulary: Vocabulary, path: Path) -> None:
    """Cross-references the JSON Schema cannot check: measures exist, labels are unambiguous."""
    names = [s.section for s in form.sections]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise DefinitionError(f"{path}: section {twice[0]} is defined more than once")
    labels: dict[str, list[tuple[tuple[str, str], bool]]] = {}
    items = {i.item for s in form.sections for i in s.items}
    for section in form.sections:
        named = (
            *section.measures,
            *([section.measure] if section.measure else []),
            *([section.pair_measure] if section.pair_measure else []),
            *([section.item_column_measure] if section.item_column_measure else []),
        )
        for measure in named:
            if measure not in vocabulary.measures:
                raise DefinitionError(f"{path}: section {section.section} names unknown {measure}")
        for item in section.items:
            if item.parent and item.parent not in items:
                raise DefinitionError(f"{path}: {item.item} has unknown parent {item.parent}")
            for word in (item.item, *item.synonyms):
                # A row label is read wherever it stands in a label-value section, but only
                # under its own headers in a column section: 合计 may total the funds and the
                # scores, never two items of one section or a label-value item and another.
                key = label_key(normalize_label(word).text)
                owner = (section.section, item.item)
                anywhere = section.kind in ("label_value", "inline")
                for other, other_anywhere in labels.get(key, []):
                    if other != owner and (other[0] == owner[0] or anywhere or other_anywhere):
                        raise DefinitionError(
                            f"{path}: label {word} means both {'/'.join(other)} and "
                            f"{'/'.join(owner)}"
                        )
                labels.setdefault(key, []).append((owner, anywhere))
    _check_checks(form, path)


def _check_checks(form: FormDef, path: Path) -> None:
    """Every slot the `checks` block names is one the form's sections can hold."""
    sections = {s.section: s for s in form.sections}

    def check(section: str, item: str | None, measures: list[str], where: str) -> None:
        known = sections.get(section)
        if known is None:
            raise DefinitionError(f"{path}: checks/{where} names unknown section {section}")
        items = {i.item for i in known.items}
        if item is not None and item != "*" and items and item not in items:
            raise DefinitionError(f"{path}: checks/{where} names unknown item {item}")
        allowed = set(known.measures) | {known.measure, known.pair_measure} - {None}
        for measure in measures:
            if measure not in allowed:
                raise DefinitionError(f"{path}: checks/{where}: {section} has no measure {measure}")

    checks = form.checks
    for rate in checks.get("rates", ()):
        measures = [rate["rate"], rate["numerator"], *rate["denominator"]]
        check(rate["section"], rate["item"], measures, "rates")
    scoring = checks.get("scoring")
    if scoring:
        check(scoring["budget"]["section"], scoring["budget"]["item"], [], "scoring")
        check(scoring["total"]["section"], scoring["total"]["item"], [], "scoring")
        check(scoring["indicators"], None, [], "scoring")
        if scoring["groups"] != sections[scoring["indicators"]].group_section:
            raise DefinitionError(
                f"{path}: checks/scoring: groups {scoring['groups']} is not the group section of "
                f"{scoring['indicators']}"
            )
    for sub in checks.get("subtotals", ()):
        check(sub["section"], sub["parent"], sub["measures"], "subtotals")
    for split in checks.get("splits", ()):
        check(split["section"], None, [], "splits")
        total = split["total"]
        check(total["section"], total["item"], [total["measure"]], "splits")
    slots = [*checks.get("required", ()), *(f["slot"] for f in checks.get("figures", ()))]
    for slot in slots:
        check(slot["section"], slot["item"], [slot["measure"]], "required/figures")


@cache
def load_catalog(schemas_dir: Path = SCHEMAS_DIR) -> Catalog:
    """Load and check the vocabulary and every form definition under `schemas_dir`."""
    vocabulary = _load_vocabulary(schemas_dir / "vocabulary.json")
    meta_schema = _read_json(schemas_dir / "form-definition.schema.json")
    forms: dict[str, FormDef] = {}
    words = list(definition_words(_read_json(schemas_dir / "vocabulary.json")))
    for path in sorted((schemas_dir / "forms").glob("*.json")):
        raw = _read_json(path)
        words += definition_words(raw)
        errors = sorted(jsonschema.Draft202012Validator(meta_schema).iter_errors(raw), key=str)
        if errors:
            where = "/".join(map(str, errors[0].absolute_path)) or "top level"
            raise DefinitionError(f"{path}: {where}: {errors[0].message}")
        form = FormDef(
            form=raw["form"],
            titles=tuple(raw["titles"]),
            money_unit=raw["money_unit"],
            sections=tuple(_section_from_json(s) for s in raw["sections"]),
            checks=raw["checks"],
            signature=_signature_from_json(raw.get("signature", {})),
        )
        _check_form(form, vocabulary, path)
        if form.form in forms:
            raise DefinitionError(f"{path}: form {form.form} is defined twice")
        forms[form.form] = form
    if not forms:
        raise DefinitionError(f"{schemas_dir / 'forms'}: no form definitions")
    return Catalog(vocabulary=vocabulary, forms=forms, word_pairs=cjk_pairs(words))
