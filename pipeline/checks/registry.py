"""The document rules' registry: each rule a small named function registered with its stable
id and the catalogue's severity (`catalogue.py`), run in the catalogue's order whichever
module defines it (`rules.py`, `scoring.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from pipeline.checks.catalogue import RULES, severity_of
from pipeline.checks.form_views import DocumentView, FormView, finding
from pipeline.model import Finding

Report = Callable[..., Finding]  # report(form, row, message, expected, actual, **where)


@dataclass(frozen=True)
class Rule:
    rule: str
    severity: str
    check: Callable[[DocumentView, Report], Iterable[Finding]]

    def run(self, view: DocumentView) -> list[Finding]:
        """The rule's findings, each stamped with this rule's id and severity."""
        return list(self.check(view, partial(finding, self.rule, self.severity)))


DOCUMENT_RULES: list[Rule] = []


def rule(rule_id: str) -> Callable:
    """Register a document rule under its stable id, with the catalogue's severity."""
    severity = severity_of(rule_id)

    def register(check: Callable[[DocumentView, Report], Iterable[Finding]]) -> Callable:
        DOCUMENT_RULES.append(Rule(rule_id, severity, check))
        return check

    return register


def checks_of(form: FormView) -> dict[str, Any]:
    return form.definition.checks if form.definition is not None else {}


def catalogue_order() -> list[Rule]:
    """The registered rules in the order of the rule catalogue."""
    order = {rule_id: i for i, rule_id in enumerate(RULES)}
    return sorted(DOCUMENT_RULES, key=lambda r: order[r.rule])
