"""Write the enums of the table schemas from the form definitions (`--check` only compares).

The values schema's form, section and measure enums, its per-form sections and per-section
measures, and the documents schema's `n_<form>` columns all follow from `schemas/forms/*.json`:
a new form or section is a definition plus this script, and the test suite fails while the two
disagree.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.checks.validate import slot_enums
from pipeline.definitions import load_catalog

# This checkout's schemas/, read and written by path: pipeline.schemas is found through the
# installed package, which may be another checkout's (an editable install shared by worktrees).
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def _catalog():
    return load_catalog(SCHEMAS)


def _words(prop: dict) -> dict:
    """A property's description (docs/contract.md's words), kept when its enum is written."""
    return {"description": prop["description"]} if "description" in prop else {}


def values_schema(schema: dict) -> dict:
    enums = slot_enums(_catalog())
    props = schema["properties"]
    for name in ("form", "section", "measure"):
        props[name] = {**_words(props.get(name, {})), "enum": enums[name]}
    rules = [
        r
        for r in schema["allOf"]
        if not (
            "if" in r
            and set(r["if"]["properties"]) <= {"form", "section"}
            and set(r.get("then", {}).get("properties", {})) in ({"section"}, {"measure"})
        )
    ]
    derived = [
        {
            "if": {"properties": {"form": {"const": form}}},
            "then": {"properties": {"section": {"enum": sections}}},
        }
        for form, sections in enums["sections_by_form"].items()
    ] + [
        {
            "if": {"properties": {"section": {"const": section}}},
            "then": {"properties": {"measure": {"enum": measures}}},
        }
        for section, measures in enums["measures_by_section"].items()
    ]
    projects = [f.form for f in _catalog().forms.values() if f.carries("project") is not None]
    for rule in rules:  # project is null on the forms whose head names no project
        if rule.get("else", {}).get("properties", {}).get("project") == {"const": None}:
            rule["if"] = {"properties": {"form": {"enum": projects}}}
    schema["allOf"] = derived + rules
    return schema


def documents_schema(schema: dict) -> dict:
    forms = [f"n_{form}" for form in _catalog().form_order]
    props = schema["properties"]
    old = [k for k in props if k.startswith("n_") and k != "n_values"]
    words = next((_words(props[k]) for k in old if _words(props[k])), {})
    items = list(props.items())
    at = next(i for i, (k, _) in enumerate(items) if k in old or k == "n_values")
    kept = [(k, v) for k, v in items if k not in old]
    at = next(i for i, (k, _) in enumerate(kept) if k == "n_values")
    column = {**words, "type": "integer", "minimum": 0}  # every n_<form> column is described alike
    schema["properties"] = dict(kept[:at] + [(f, column) for f in forms] + kept[at:])
    required = [r for r in schema["required"] if r not in old]
    at = required.index("n_values")
    schema["required"] = required[:at] + forms + required[at:]
    return schema


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether they agree")
    args = parser.parse_args()
    stale = []
    for name, derive in (("values", values_schema), ("documents", documents_schema)):
        path = SCHEMAS / f"{name}.schema.json"
        text = path.read_text(encoding="utf-8")
        new = json.dumps(derive(json.loads(text)), ensure_ascii=False, indent=2) + "\n"
        if new != text:
            stale.append(path.name)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if stale:
        print(("out of date: " if args.check else "rewrote: ") + ", ".join(stale))
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
