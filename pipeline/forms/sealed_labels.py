"""A scanned label a seal took its first characters from, completed by the same words printed
whole elsewhere in its table.

Under a seal's ring a row's label loses its first character without a trace (`益农户满意度`
for `受益农户满意度`), and its values come out under another item. The forms often write the
same words again: the goals' text reports `…，受益农户满意度95.1%。`. Where a label read in doubt
with its first character unsure (a seal over it: Cell.char_confidences) occurs, in another
cell of its table read sure, right after one or two characters that follow a break (the
text's start, a mark, a digit), those characters are what the seal took. The label stays as
unsure as it was read: its values are flagged still, under the item they belong to.
"""

from __future__ import annotations

import re
from dataclasses import replace

from extractors import Cell, Document, Grid

SURE = 0.8  # a reading less sure than this is flagged (LOW_CONFIDENCE)
SURE_CHAR = 0.84  # a character read less sure than this may be another, or stand for more
MIN_LABEL = 4  # characters a label must keep to be found again by its words
MAX_LOST = 2  # characters a seal may have taken from a label's start
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_BREAK = re.compile(r"[\s\d，。、；：,.;:（）()%％]")


def complete_sealed_labels(document: Document) -> Document:
    """The document with each scanned label a seal took its first characters from completed
    by its table's other text, where that says so once."""
    blocks = [_completed_grid(b) if isinstance(b, Grid) else b for b in document.blocks]
    return replace(document, blocks=tuple(blocks))


def _completed_grid(grid: Grid) -> Grid:
    sure = [c.text for c in grid.cells if c.confidence >= SURE and c.text]
    cells = [_completed(cell, sure) if _start_lost(cell) else cell for cell in grid.cells]
    return replace(grid, cells=tuple(cells)) if cells != list(grid.cells) else grid


def _start_lost(cell: Cell) -> bool:
    """Is a scanned cell a label read in doubt with its first character unsure?"""
    scores = cell.char_confidences
    return (
        cell.confidence < SURE
        and len(scores) == len(cell.text) >= MIN_LABEL
        and scores[0] < SURE_CHAR
        and bool(_CJK.fullmatch(cell.text))
    )


def _completed(cell: Cell, others: list[str]) -> Cell:
    found = label_in_texts(cell.text, others)
    return replace(cell, text=found, char_confidences=()) if found else cell


def label_in_texts(label: str, texts: list[str]) -> str | None:
    """`label` with the one to MAX_LOST characters before it where `texts` write it so, as a
    word of its own (a break before those characters, a break, a number or the end after
    it): the one such reading they give (None if none, or if they differ)."""
    found: set[str] = set()
    for text in texts:
        at = text.find(label)
        while at >= 0:
            after = text[at + len(label) : at + len(label) + 1]
            for lost in range(1, MAX_LOST + 1) if not after or _BREAK.match(after) else ():
                start = at - lost
                if start < 0 or not _CJK.fullmatch(text[start:at]):
                    break
                if start == 0 or _BREAK.match(text[start - 1]):
                    found.add(text[start:at] + label)
                    break
            at = text.find(label, at + 1)
    return found.pop() if len(found) == 1 else None
