"""A form's kind from all its evidence: its title, its head labels, its column headers and block
labels, scored against every definition's signature (`schemas/forms/*.json`).

A title counts by the length of the longest of a form's titles it holds (the more of a form's
name it says, the surer it is); every other clue by the weight its definition gives it. The
strongest evidence wins; two forms within the vocabulary's `kind_margin` of each other (the second
with more than half the first's evidence) are a close call, which the form carries as its rival
(a `form_kind_uncertain` finding), never a silent pick.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors import Grid, fill_covered_slots
from pipeline.definitions import Catalog
from pipeline.forms.normalize import label_key, normalize_label, peel_notes

_HEAD_ROWS = 6  # rows of a table whose label cells may name the form's head
_HEADER_ROWS = 16  # rows looked through for column headers and block labels


@dataclass(frozen=True)
class Evidence:
    """What a form found in a document says of itself."""

    title: str  # the title's label key ("" for a form with no title)
    head: frozenset[str]  # keys of the head rows' labels (`项目名称：…` by its label part)
    labels: frozenset[str]  # keys of the first rows' cells without their notes (headers, blocks)


@dataclass(frozen=True)
class Kind:
    form: str | None  # None: no evidence for any form
    score: float
    rival: str | None = None  # a form whose evidence came as close (a close call)
    rival_score: float = 0.0


def gather_evidence(title: str, grid: Grid | None) -> Evidence:
    """The title and the first rows of a form's first table as evidence."""
    head: set[str] = set()
    labels: set[str] = set()
    if grid is not None:
        matrix = fill_covered_slots(grid)
        for r, row in enumerate(matrix[:_HEADER_ROWS]):
            for cell in {id(c): c for c in row if c is not None}.values():
                text = normalize_label(cell.text).text
                if r < _HEAD_ROWS:
                    head.add(label_key(normalize_label(text.split(":")[0].split("：")[0]).text))
                labels.add(label_key(peel_notes(text)[0]))
    return Evidence(label_key(title), frozenset(head), frozenset(labels))


def form_scores(evidence: Evidence, catalog: Catalog) -> dict[str, float]:
    """Each form's evidence score: its title's length, plus the weight of each clue found."""
    scores: dict[str, float] = dict.fromkeys(catalog.forms, 0.0)
    if evidence.title:
        for form, length in catalog.titles_in(evidence.title).items():
            scores[form] += length
    where_found = {"head": evidence.head, "headers": evidence.labels, "blocks": evidence.labels}
    for form in catalog.forms.values():
        for where, clues in form.signature.items():
            for clue in clues:
                if where == "title":
                    found = any(k in evidence.title for k in clue.keys)
                else:
                    found = bool(clue.keys & where_found[where])
                if found:
                    scores[form.form] += clue.weight
    return scores


def evidence_to_kind(evidence: Evidence, catalog: Catalog) -> Kind:
    """The form the evidence speaks for most; a rival within the margin is named with it."""
    ranked = sorted(
        (
            (score, -i, form)
            for i, (form, score) in enumerate(form_scores(evidence, catalog).items())
        ),
        reverse=True,
    )
    best_score, _, best = ranked[0]
    if best_score <= 0:
        return Kind(None, 0.0)
    second_score, _, second = ranked[1] if len(ranked) > 1 else (0.0, 0, None)
    close = best_score - second_score < catalog.vocabulary.kind_margin
    if second_score > 0 and close and 2 * second_score > best_score:
        return Kind(best, best_score, second, second_score)
    return Kind(best, best_score)
