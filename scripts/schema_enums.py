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

from pipeline.definitions import SCHEMAS_DIR, load_catalog, slot_enums


def values_schema(schema: dict) -> dict:
    enums = slot_enums(load_catalog())
    props = schema["properties"]
    for name in ("form", "section", "measure"):  # the enum derived, the words kept
        props[name] = {**_described(props.get(name, {})), "enum": enums[name]}
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
    projects = [f.form for f in load_catalog().forms.values() if f.carries("project") is not None]
    for rule in rules:  # project is null on the forms whose head names no project
        if rule.get("else", {}).get("properties", {}).get("project") == {"const": None}:
            rule["if"] = {"properties": {"form": {"enum": projects}}}
    schema["allOf"] = derived + rules
    return schema


def documents_schema(schema: dict) -> dict:
    forms = [f"n_{form}" for form in load_catalog().form_order]
    props = schema["properties"]
    old = [k for k in props if k.startswith("n_") and k != "n_values"]
    items = list(props.items())
    at = next(i for i, (k, _) in enumerate(items) if k in old or k == "n_values")
    kept = [(k, v) for k, v in items if k not in old]
    at = next(i for i, (k, _) in enumerate(kept) if k == "n_values")
    words = next((_described(props[k]) for k in old), {})
    column = {**words, "type": "integer", "minimum": 0}
    schema["properties"] = dict(kept[:at] + [(f, column) for f in forms] + kept[at:])
    required = [r for r in schema["required"] if r not in old]
    at = required.index("n_values")
    schema["required"] = required[:at] + forms + required[at:]
    return schema


def _described(prop: dict) -> dict:
    """A property's description, kept when its enum or type is derived again."""
    return {"description": prop["description"]} if "description" in prop else {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether they agree")
    args = parser.parse_args()
    stale = []
    for name, derive in (("values", values_schema), ("documents", documents_schema)):
        path = SCHEMAS_DIR / f"{name}.schema.json"
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
