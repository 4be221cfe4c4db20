"""Misreadings a recogniser makes with confidence: a character taken for its look-alike (日 for
目, 白 for 自) is read as sure as the right one. What gives it away is the forms' own words: a
scan's text pairing such a character with its neighbour as the forms never do, where they do
write its twin there (`项日` where the definitions write `项目`, `白评` beside `自评`), is a
misreading, and the cell or line holding it is unsure.

Only what the OCR read is looked at (a confidence below 1.0); a text layer's characters are
the file's own.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from extractors import Cell, Document, Grid, TextLine
from pipeline.definitions import Catalog
from pipeline.forms.words import pairs_in

MISREAD = 0.5  # the confidence of a cell or line holding a likely misreading


def doubt_misreads(document: Document, catalog: Catalog) -> Document:
    """The document with every OCR'd cell and line that holds a likely misreading unsure."""
    twins = _twins(catalog.vocabulary.confusables)
    if not twins:
        return document
    pairs = catalog.word_pairs

    def doubtful(text: str, confidence: float) -> bool:
        return confidence < 1.0 and misread(text, twins, pairs)

    blocks = []
    for block in document.blocks:
        if isinstance(block, Grid):
            block = _doubt_grid(block, doubtful)
        elif isinstance(block, TextLine) and doubtful(block.text, block.confidence):
            block = replace(block, confidence=min(block.confidence, MISREAD), char_confidences=())
        blocks.append(block)
    return replace(document, blocks=tuple(blocks))


def _doubt_grid(grid: Grid, doubtful) -> Grid:
    cells: list[Cell] = []
    changed = False
    for cell in grid.cells:
        if doubtful(cell.text, cell.confidence):
            cell = replace(cell, confidence=min(cell.confidence, MISREAD), char_confidences=())
            changed = True
        cells.append(cell)
    return replace(grid, cells=tuple(cells)) if changed else grid


def misread(text: str, twins: dict[str, str], pairs: frozenset[str]) -> bool:
    """Does `text` pair a look-alike character with a neighbour as the forms never do, where
    they write its twin beside that neighbour?"""
    for pair in pairs_in(text):
        if pair in pairs:
            continue
        for k, char in enumerate(pair):
            for twin in twins.get(char, ""):
                other = pair[:k] + twin + pair[k + 1 :]
                if other in pairs:
                    return True
    return False


@cache
def _twins(groups: tuple[str, ...]) -> dict[str, str]:
    """Each character of a confusable group with the others of its group."""
    twins: dict[str, str] = {}
    for group in groups:
        for char in group:
            twins[char] = twins.get(char, "") + group.replace(char, "")
    return twins
