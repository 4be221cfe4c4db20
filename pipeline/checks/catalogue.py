"""Every rule id a finding may carry, with its severity, what it checks and its Chinese name:
the one list the findings schema's enum and the README's rule table are tested against. The
catalogue is data (`schemas/rules.json`), checked when it loads. Data problems are findings
under these ids; a file that cannot be read is an error code instead (`extractors/errors.py`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.definitions.load import SCHEMAS_DIR, DefinitionError, read_json

SEVERITIES = ("error", "warning")
_RULE_ID = re.compile(r"^[a-z][a-z_]*[a-z]$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class RuleSpec:
    severity: str  # "error" | "warning"
    checks: str  # what the rule checks, in the README's words
    name: str = ""  # what an analyst calls it (执行率不符), shown in the report and workbook
    explains: str = ""  # what it means and what to look at, in a clerk's words


def entry_to_rule(entry: dict, where: str) -> tuple[str, RuleSpec]:
    """One catalogue entry as (rule id, spec); a DefinitionError naming what is wrong."""
    rule_id = entry.get("id", "")
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        raise DefinitionError(f"{where}: rule id {rule_id!r} is not a lower-case slug")
    if entry.get("severity") not in SEVERITIES:
        raise DefinitionError(f"{where}: {rule_id}: severity must be one of {SEVERITIES}")
    for field in ("name", "explains"):  # what the analyst reads: in Chinese
        if not _CJK.search(str(entry.get(field, ""))):
            raise DefinitionError(f"{where}: {rule_id}: {field} must be said in Chinese")
    if not str(entry.get("checks", "")).strip():
        raise DefinitionError(f"{where}: {rule_id}: says nothing of what it checks")
    return rule_id, RuleSpec(entry["severity"], entry["checks"], entry["name"], entry["explains"])


def catalogue_to_rules(raw: dict, where: str) -> dict[str, RuleSpec]:
    """The catalogue's rules by id, in its order; ids and Chinese names each used once."""
    rules: dict[str, RuleSpec] = {}
    for entry in raw.get("rules", ()):
        rule_id, spec = entry_to_rule(entry, where)
        if rule_id in rules:
            raise DefinitionError(f"{where}: rule id {rule_id} is listed twice")
        rules[rule_id] = spec
    names = [spec.name for spec in rules.values()]
    if len(set(names)) != len(names):
        raise DefinitionError(f"{where}: two rules share a Chinese name")
    if not rules:
        raise DefinitionError(f"{where}: lists no rule")
    return rules


RULES: dict[str, RuleSpec] = catalogue_to_rules(
    read_json(SCHEMAS_DIR / "rules.json"), "schemas/rules.json"
)


def severity_of(rule_id: str) -> str:
    """The catalogue's severity for a rule id; an id not in the catalogue is a bug."""
    try:
        return RULES[rule_id].severity
    except KeyError:
        raise ValueError(f"rule id {rule_id!r} is not in schemas/rules.json") from None
