"""Form definitions and the shared vocabulary read from `schemas/` into the model, each file
checked against its JSON Schema and the cross-references when loaded."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema

from pipeline.definitions.check import DefinitionError, check_form, check_vocabulary
from pipeline.definitions.model import (
    Catalog,
    Clue,
    FooterItem,
    FormDef,
    ItemDef,
    MeasureDef,
    RatingBand,
    SectionDef,
    Vocabulary,
)
from pipeline.forms.normalize import ValueParser, label_key, normalize_label
from pipeline.forms.scales import Scales
from pipeline.forms.words import cjk_pairs, definition_words


def _schemas_dir() -> Path:
    """The folder of definitions and schemas: `schemas/` of a checkout, shipped in the wheel as
    the package `pipeline.schemas` (pyproject.toml), so found the same way wherever installed."""
    folder = resources.files("pipeline.schemas")
    if not isinstance(folder, Path):  # an install inside a zip archive: not supported
        raise ImportError(f"pipeline.schemas must be installed as files, not inside {folder}")
    return folder


SCHEMAS_DIR = _schemas_dir()


def read_json(path: Path) -> dict:
    """A JSON file of schemas/ as a dict; a DefinitionError naming the file if it is no JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DefinitionError(f"{path}: cannot be read as JSON: {exc}") from exc


def _load_vocabulary(path: Path) -> Vocabulary:
    raw = read_json(path)
    try:
        measures = {
            name: MeasureDef(
                measure=name,
                headers=tuple(spec.get("headers", ())),
                unit=spec.get("unit"),
                numeric=spec.get("numeric", True),
                prior_year=spec.get("prior_year"),
                always_number=spec.get("always_number", False),
            )
            for name, spec in raw["measures"].items()
        }
        footer = tuple(
            FooterItem(
                i["item"],
                tuple(i.get("synonyms", ())),
                i.get("date", False),
                re.compile(i["shape"]) if "shape" in i else None,
            )
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
            collection_titles=tuple(raw.get("collection_titles", ())),
            place_endings=tuple(raw.get("place_endings", ())),
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
    except (ValueError, re.error) as exc:
        raise DefinitionError(f"{path}: {exc}") from exc
    check_vocabulary(vocabulary, path)
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


@cache
def load_catalog(schemas_dir: Path = SCHEMAS_DIR) -> Catalog:
    """Load and check the vocabulary and every form definition under `schemas_dir`."""
    vocabulary = _load_vocabulary(schemas_dir / "vocabulary.json")
    meta_schema = read_json(schemas_dir / "form-definition.schema.json")
    forms: dict[str, FormDef] = {}
    words = list(definition_words(read_json(schemas_dir / "vocabulary.json")))
    for path in sorted((schemas_dir / "forms").glob("*.json")):
        raw = read_json(path)
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
        check_form(form, vocabulary, path)
        if form.form in forms:
            raise DefinitionError(f"{path}: form {form.form} is defined twice")
        forms[form.form] = form
    if not forms:
        raise DefinitionError(f"{schemas_dir / 'forms'}: no form definitions")
    return Catalog(vocabulary=vocabulary, forms=forms, word_pairs=cjk_pairs(words))
