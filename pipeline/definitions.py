"""Form definitions and the shared vocabulary, loaded from `schemas/` and checked when loaded.

A new province's wording is a change to these JSON files, not to code. Loading fails with a
DefinitionError naming the file and what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jsonschema

from .normalize import ValueParser, label_key, normalize_label

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"
FORM_ORDER = ("base_data", "dept_eval", "project_eval")


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


@dataclass(frozen=True)
class FormDef:
    form: str
    titles: tuple[str, ...]
    money_unit: str
    sections: tuple[SectionDef, ...]

    def section(self, name: str) -> SectionDef:
        return next(s for s in self.sections if s.section == name)


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
class Vocabulary:
    measures: dict[str, MeasureDef]
    roles: dict[str, tuple[str, ...]]
    placeholders: tuple[str, ...]
    template_labels: tuple[str, ...]
    money_unit_declarations: tuple[str, ...]
    footer_items: tuple[FooterItem, ...]
    parser: ValueParser

    def header_index(self) -> dict[str, str]:
        """Header key → measure name."""
        return {label_key(h): m.measure for m in self.measures.values() for h in m.headers}


@dataclass(frozen=True)
class Catalog:
    """Everything the mapping needs: the vocabulary and a definition per form."""

    vocabulary: Vocabulary
    forms: dict[str, FormDef]

    def form_for_title(self, text: str) -> str | None:
        """The form whose title words occur in `text`, if any (longest title wins)."""
        key = label_key(text)
        best: tuple[int, str] | None = None
        for form in self.forms.values():
            for title in form.titles:
                t = label_key(title)
                if t in key and (best is None or len(t) > best[0]):
                    best = (len(t), form.form)
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
        parser = ValueParser(
            raw["units"], raw["comparators"], raw["placeholders"], raw.get("unit_prefixes", [])
        )
        vocabulary = Vocabulary(
            measures=measures,
            roles={k: tuple(v) for k, v in raw["roles"].items()},
            placeholders=tuple(raw["placeholders"]),
            template_labels=tuple(raw["template_labels"]),
            money_unit_declarations=tuple(raw["money_unit_declarations"]),
            footer_items=footer,
            parser=parser,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise DefinitionError(f"{path}: missing or malformed entry: {exc!r}") from exc
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
    )


def _check_form(form: FormDef, vocabulary: Vocabulary, path: Path) -> None:
    """Cross-references the JSON Schema cannot check: measures exist, labels are unambiguous."""
    labels: dict[str, str] = {}
    items = {i.item for s in form.sections for i in s.items}
    for section in form.sections:
        named = (*section.measures, *([section.measure] if section.measure else []))
        for measure in named:
            if measure not in vocabulary.measures:
                raise DefinitionError(f"{path}: section {section.section} names unknown {measure}")
        for item in section.items:
            if item.parent and item.parent not in items:
                raise DefinitionError(f"{path}: {item.item} has unknown parent {item.parent}")
            for word in (item.item, *item.synonyms):
                key = label_key(normalize_label(word).text)
                owner = f"{section.section}/{item.item}"
                if labels.get(key, owner) != owner:
                    raise DefinitionError(
                        f"{path}: label {word} means both {labels[key]} and {owner}"
                    )
                labels[key] = owner


@cache
def load_catalog(schemas_dir: Path = SCHEMAS_DIR) -> Catalog:
    """Load and check the vocabulary and every form definition under `schemas_dir`."""
    vocabulary = _load_vocabulary(schemas_dir / "vocabulary.json")
    meta_schema = _read_json(schemas_dir / "form-definition.schema.json")
    forms: dict[str, FormDef] = {}
    for path in sorted((schemas_dir / "forms").glob("*.json")):
        raw = _read_json(path)
        errors = sorted(jsonschema.Draft202012Validator(meta_schema).iter_errors(raw), key=str)
        if errors:
            where = "/".join(map(str, errors[0].absolute_path)) or "top level"
            raise DefinitionError(f"{path}: {where}: {errors[0].message}")
        form = FormDef(
            form=raw["form"],
            titles=tuple(raw["titles"]),
            money_unit=raw["money_unit"],
            sections=tuple(_section_from_json(s) for s in raw["sections"]),
        )
        _check_form(form, vocabulary, path)
        forms[form.form] = form
    missing = [f for f in FORM_ORDER if f not in forms]
    if missing:
        raise DefinitionError(f"{schemas_dir / 'forms'}: no definition for {', '.join(missing)}")
    return Catalog(vocabulary=vocabulary, forms=forms)
