"""Validation of records against the JSON Schemas under schemas/ (Draft 2020-12).

Every record is checked against `schemas/values.schema.json`. The check runs through a
validator that fastjsonschema compiles from that file (the schema uses only keywords whose
meaning is the same in Draft 7, which it compiles), tens of times faster than interpreting
the schema per record; a record it refuses is explained by the jsonschema library's Draft
2020-12 validator, whose messages go into `rejects`. The test suite holds the two to the same
verdicts.
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema

from pipeline.definitions import SCHEMAS_DIR, Catalog
from pipeline.model import Record, RejectRow


@cache
def validator(name: str, schemas_dir: Path = SCHEMAS_DIR) -> jsonschema.Draft202012Validator:
    """A checked validator for `schemas/<name>.schema.json`, formats asserted."""
    schema = json.loads((schemas_dir / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@cache
def fast_validator(name: str, schemas_dir: Path = SCHEMAS_DIR):
    """The same schema compiled to Python by fastjsonschema (raises on an invalid record)."""
    validator(name, schemas_dir)  # the schema itself is checked against Draft 2020-12 first
    schema = json.loads((schemas_dir / f"{name}.schema.json").read_text(encoding="utf-8"))
    schema = {k: v for k, v in schema.items() if k not in ("$schema", "$id")}
    return fastjsonschema.compile(schema, use_formats=True)


# ---------------------------------------------------------------------------------------------
# The same verdicts, remembered: a season's records share most of their values (a file's
# source columns, a form's sections and measures), so a value's verdict is looked up instead of
# checked again. fastjsonschema tries each `if` by raising when it fails; a record meets some
# twenty of them.

_TOP_KEYS = {
    "title",
    "description",
    "$comment",
    "type",
    "additionalProperties",
    "required",
    "properties",
    "allOf",
}  # (title, description and $comment are words: they never change a verdict)
_CONDITION_KEYS = {"if", "then", "else", "$comment"}
_BRANCH_KEYS = {"properties", "required", "$comment"}
MAX_REMEMBERED = 100_000  # verdicts kept per property before its memo starts afresh


@dataclass(frozen=True)
class _Memo:
    """A check whose verdict depends only on the values `read` takes from a record: one
    property's value (with its type: 1, 1.0 and True are one dict key but not one JSON
    value), or the string values of a group of required properties."""

    read: Any  # a record → the values the check looks at (operator.itemgetter)
    check: Any  # compiled by fastjsonschema; raises on an invalid record
    seen: dict  # the values read → verdict
    typed: bool = True  # the key holds the value's type (one property)
    remember: bool = True  # False: values too many to be worth remembering

    def passes(self, row: dict[str, Any]) -> bool:
        if not self.remember:
            return _passes(self.check, row)
        values = self.read(row)
        key = (type(values), values) if self.typed else values
        try:
            verdict = self.seen.get(key)
        except TypeError:  # a list or dict value: checked, not remembered
            return _passes(self.check, row)
        if verdict is None:
            if len(self.seen) > MAX_REMEMBERED:
                self.seen.clear()
            verdict = self.seen[key] = _passes(self.check, row)
        return verdict


def _passes(check: Any, row: Any) -> bool:
    try:
        check(row)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


@dataclass(frozen=True)
class _Plan:
    allowed: frozenset[str] | None  # None: additional properties allowed
    required: frozenset[str]
    checks: tuple[_Memo, ...]


@cache
def _plan(name: str, schemas_dir: Path = SCHEMAS_DIR) -> _Plan | None:
    """The schema as remembered checks: one per property (its value alone decides), one per
    group of `allOf` conditions reading the same string-valued properties (their values
    decide), the other conditions checked each time. None for a schema of another shape,
    which is checked whole."""
    validator(name, schemas_dir)
    schema = json.loads((schemas_dir / f"{name}.schema.json").read_text(encoding="utf-8"))
    schema = {k: v for k, v in schema.items() if k not in ("$schema", "$id")}
    properties = schema.get("properties", {})
    conditions = schema.get("allOf", [])
    if (
        not set(schema) <= _TOP_KEYS
        or schema.get("type") != "object"
        or schema.get("additionalProperties", True) not in (True, False)
        or not all(_on_own_properties(c) for c in conditions)
    ):
        return None
    required = frozenset(schema.get("required", []))
    checks = [
        _Memo(operator.itemgetter(key), _property_check(key, sub), {})
        for key, sub in properties.items()
    ]
    groups: dict[tuple[str, ...], list] = {}
    for condition in conditions:
        groups.setdefault(_names_read(condition), []).append(condition)
    for names, group in groups.items():
        check = fastjsonschema.compile({"allOf": group}, use_formats=True)
        # strings of properties every record has (checked as such before the groups): few
        # values (sections, measures, forms); a number, a row or an optional one: each time
        remember = set(names) <= required and all(_is_text(properties[n]) for n in names)
        checks.append(_Memo(operator.itemgetter(*names), check, {}, typed=False, remember=remember))
    return _Plan(
        allowed=frozenset(properties) if schema.get("additionalProperties") is False else None,
        required=required,
        checks=tuple(checks),
    )


def _property_check(key: str, subschema: Any):
    compiled = fastjsonschema.compile(subschema, use_formats=True)
    return lambda row: compiled(row[key])  # (a record without it is checked whole)


def _on_own_properties(condition: Any) -> bool:
    if not isinstance(condition, dict) or not set(condition) <= _CONDITION_KEYS:
        return False
    branches = [condition[k] for k in ("if", "then", "else") if k in condition]
    return all(isinstance(b, dict) and set(b) <= _BRANCH_KEYS for b in branches)


def _names_read(condition: dict) -> tuple[str, ...]:
    names: set[str] = set()
    for key in ("if", "then", "else"):
        branch = condition.get(key, {})
        names |= set(branch.get("properties", {})) | set(branch.get("required", []))
    return tuple(sorted(names))


def _is_text(subschema: Any) -> bool:
    """A property whose values are strings or null (an enum of them included)."""
    kinds = subschema.get("type")
    kinds = {kinds} if isinstance(kinds, str) else set(kinds or ())
    if "enum" in subschema and not kinds:
        kinds = {"null" if v is None else type(v).__name__ for v in subschema["enum"]}
        kinds = {"string" if k == "str" else k for k in kinds}
    return bool(kinds) and kinds <= {"string", "null"}


def is_valid(name: str, row: dict[str, Any]) -> bool:
    """Does `row` (in JSON types) pass the named schema?"""
    plan = _plan(name)
    if plan is None or not isinstance(row, dict):
        return _passes(fast_validator(name), row)
    keys = row.keys()
    if not plan.required <= keys or (plan.allowed is not None and not keys <= plan.allowed):
        return False
    try:
        return all(check.passes(row) for check in plan.checks)
    except KeyError:  # an optional property the record lacks: checked whole
        return _passes(fast_validator(name), row)


def to_json(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON types: timestamps as ISO 8601 strings."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def schema_errors(name: str, row: dict[str, Any]) -> list[str]:
    """Every way `row` fails the named schema, each as `path: message`."""
    errors = validator(name).iter_errors(to_json(row))
    return sorted(
        f"{'/'.join(map(str, e.absolute_path)) or '(record)'}: {e.message}" for e in errors
    )


def split_valid(records: list[Record]) -> tuple[list[Record], list[RejectRow]]:
    """Records that pass values.schema.json, and the others with their `error` (never dropped)."""
    valid: list[Record] = []
    rejects: list[RejectRow] = []
    for record in records:
        row = dict(record.__dict__)  # a shallow copy: asdict() deep-copies every value
        if is_valid("values", to_json(row)):
            valid.append(record)
            continue
        errors = schema_errors("values", row) or ["refused by the compiled values schema"]
        rejects.append(RejectRow(**row, error="; ".join(errors)))
    return valid, rejects


def slot_enums(catalog: Catalog) -> dict[str, Any]:
    """What the values schema's enums must say, derived from the definitions: the forms, each
    form's sections, each section's measures (footer, indicator groups included)."""
    footer = catalog.vocabulary.footer_items and "footer"
    by_form: dict[str, list[str]] = {}
    by_section: dict[str, list[str]] = {}

    def add(section: str, measures: list[str]) -> None:
        known = by_section.setdefault(section, [])
        known.extend(m for m in measures if m not in known)

    for form in catalog.forms.values():
        names: list[str] = []
        for section in form.sections:
            names.append(section.section)
            measures = [*section.measures, section.measure, section.pair_measure]
            add(section.section, [m for m in measures if m])
            if section.group_section:
                names.append(section.group_section)
                add(section.group_section, ["weight"])
        if footer:
            names.append(footer)
            add(footer, ["value"])
        by_form[form.form] = list(dict.fromkeys(names))
    return {
        "form": list(catalog.forms),
        "section": list(dict.fromkeys(s for names in by_form.values() for s in names)),
        "measure": sorted({m for ms in by_section.values() for m in ms}),
        "sections_by_form": by_form,
        "measures_by_section": by_section,
    }
