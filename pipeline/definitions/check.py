"""The checks of loaded definitions the JSON Schema cannot make: cross-references between the
vocabulary, a form's sections and its `checks` block, and labels that would mean two things.
Each failure is a DefinitionError naming the file and what is wrong."""

from __future__ import annotations

from pathlib import Path

from pipeline.definitions.model import FormDef, Vocabulary
from pipeline.forms.normalize import label_key, normalize_label


class DefinitionError(Exception):
    """A form definition or the vocabulary under schemas/ is not valid."""


def check_vocabulary(vocabulary: Vocabulary, path: Path) -> None:
    """A measure's prior year is a measure; a header word means one measure only."""
    measures = vocabulary.measures
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


def check_form(form: FormDef, vocabulary: Vocabulary, path: Path) -> None:
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
