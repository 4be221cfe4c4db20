"""A side's cells put beside its host's: the strip of columns a later page holds.

The side's cells go to the right of the host's (shifted to start where the host ends, or where
this page's strip of the host already put its columns), each keeping its own page and box; a
cell cut by the page's edge, its text on both pages, is one cell again; a sheet's title columns
printed again on the side are read once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from extractors.pdf.side_repeats import (
    LAST_CHARS,
    ROW_TOLERANCE,
    host_text_at,
    repeated_columns_end,
    within,
)
from extractors.tables import Box, TablePart

UNSURE = 0.5  # the confidence of a cut cell whose two halves' texts disagree
_BARE_NUMBER = re.compile(r"[≥≤<>=]?[+-]?\d[\d,]*(?:\.\d*)?%?")


def side_by_side(host: TablePart, side: TablePart, strip: Strip | None = None) -> TablePart:
    """The side's cells to the right of the host's (shifted to start where the host ends, or
    where `strip`, this page's strip of the host joined already, put its columns), each
    keeping its page and box; a cell the cut divided (no rule drawn at the cut on either page)
    made one again: its text as both pages show it, the longer where one page lost some past
    its edge, and uncertain where the two differ otherwise."""
    strip = strip or place_strip(host, side)
    start, shift = strip.start, strip.shift
    partners = replace(host, cut_right=strip.open_right)
    boxes = list(host.boxes)
    texts = list(host.texts)
    sources = list(host.sources or tuple((host.page, box) for box in host.boxes))
    confidences = list(host.confidences or (1.0,) * len(host.boxes))
    side_conf = side.confidences or (1.0,) * len(side.boxes)
    cut_right: set[int] = set()
    joined: set[int] = set()  # the host's cells open at the cut that a side's cell goes on in
    spills = _spilt_texts(host, side, start)
    for index, (box, text) in enumerate(zip(side.boxes, side.texts, strict=True)):
        if box[2] <= start + ROW_TOLERANCE:
            continue  # a title column printed again on every page
        over_title, sure_text = box[0] < start - ROW_TOLERANCE, True
        if over_title:  # a cell over the title column and on: its own part, open at the cut
            title = host_text_at(host, box[1], box[3], host.bbox[0] + box[0] - side.bbox[0])
            text, sure_text = _without_title(text, title)
            box = (start, box[1], box[2], box[3])
        elif index in spills:  # beside the title column: what its text spilt into it
            own, sure_text = spills[index]
            if own != text and sure_text:  # the spill the reading doubted, taken out
                text, side_conf = own, _raised(side_conf, index)
        elif start - side.bbox[0] > ROW_TOLERANCE and (
            _beside_merged_title(side, box, start)
            or _label_merged_on(partners, box, start - side.bbox[0])
        ):
            own, sure_text = _without_merged_title(text, host_text_at(host, box[1], box[3]))
            if own != text and sure_text:  # the label's characters the reading doubted, out
                text, side_conf = own, _raised(side_conf, index)
        if not over_title and _holds_title_words(host, side, box, text, start):
            side_conf = _lowered(side_conf, index)
        moved = (box[0] + shift, box[1], box[2] + shift, box[3])
        open_left = index in side.cut_left or over_title or _after_title(side, box, start)
        other = _cut_partner(partners, moved) if open_left else None
        if not sure_text and (other is None or not over_title):
            side_conf = _lowered(side_conf, index)
        if other is not None:
            joined.add(other)
            old = boxes[other]
            boxes[other] = (old[0], old[1], moved[2], old[3])
            left = texts[other]
            texts[other], sure = _cut_text(left, text)
            if (
                not sure
                and not over_title
                and _title_tail_before(left, text, host_text_at(host, box[1], box[3]))
            ):  # the row's title label's end run into the cell: the host's half is whole
                texts[other], sure = left, True
            # a title column's text drawn over the cell, taken out: the overlap the reading
            # doubted is explained, and the host's page holds the whole text
            read = 1.0 if over_title and sure_text and sure else side_conf[index]
            confidences[other] = min(confidences[other], read, 1.0 if sure else UNSURE)
            if index in side.cut_right:
                cut_right.add(other)
            continue
        if index in side.cut_right:
            cut_right.add(len(boxes))
        boxes.append(moved)
        texts.append(text)
        sources.append((side.page, box))
        confidences.append(side_conf[index])
    for index in strip.open_right - joined:  # open at the cut, and no side's cell goes on:
        if _BARE_NUMBER.fullmatch(texts[index].strip()):  # digits lost past the edge (60 as 6)
            confidences[index] = min(confidences[index], UNSURE)
    return replace(
        host,
        boxes=tuple(boxes),
        texts=tuple(texts),
        bbox=(host.bbox[0], host.bbox[1], max(host.bbox[2], side.bbox[2] + shift), host.bbox[3]),
        confidences=tuple(confidences) if any(c < 1.0 for c in confidences) else (),
        sources=tuple(sources),
        cut_right=frozenset(cut_right) | strip.cut_right,
    )


def _holds_title_words(host: TablePart, side: TablePart, box: Box, text: str, start: float) -> bool:
    """Does a cell of the strip hold, as a word of its own, some of the label in the host's
    title column over its rows (a narrow column's block label, taller than its merged cell,
    drawn on over the strip's cells: `资金情况 92.00%`)? Its text is then unsure."""
    if start - side.bbox[0] <= ROW_TOLERANCE:
        return False
    labels = [
        "".join(label.split())
        for cell, label in zip(host.boxes, host.texts, strict=True)
        if abs(cell[0] - host.bbox[0]) <= ROW_TOLERANCE
        and cell[1] < box[3] - ROW_TOLERANCE
        and box[1] + ROW_TOLERANCE < cell[3]
    ]
    words = [word for word in text.split() if len(word) >= 2 and not any(c.isdigit() for c in word)]
    return any(within(word, label) for word in words for label in labels if label)


@dataclass(frozen=True)
class Strip:
    """Where a page's strip of a host's columns goes: its own columns from `start` on the
    page, moved by `shift`; the host's cells open at its right before the strip (partners of
    the strip's cells open at their left) and the strip's parts' cells open at their right."""

    start: float
    shift: float
    open_right: frozenset[int]
    cut_right: frozenset[int] = frozenset()


def place_strip(host: TablePart, side: TablePart, title_width: float | None = None) -> Strip:
    """The strip of the host's columns the side is the first part of."""
    start = repeated_columns_end(host, side, title_width)
    if start <= side.bbox[0] + ROW_TOLERANCE and _title_merged_on(host, side, title_width):
        start = side.bbox[0] + title_width  # type: ignore[operator]
    return Strip(start, host.bbox[2] - start, host.cut_right)


def _title_merged_on(host: TablePart, side: TablePart, title_width: float | None) -> bool:
    """Does each of the side's cells at its left edge run on past the sheet's title columns
    (known from another strip: no rule where they end, the labels merged on past them), its
    text holding the host's label there, in order (drawn over the strip's own text)?"""
    if title_width is None:
        return False
    edge = side.bbox[0] + title_width
    first = [
        (box, text)
        for box, text in zip(side.boxes, side.texts, strict=True)
        if abs(box[0] - side.bbox[0]) <= ROW_TOLERANCE
    ]
    return bool(first) and all(
        box[2] > edge + ROW_TOLERANCE
        and (title := host_text_at(host, box[1], box[3])) not in ("", "\0")
        and within(title, text)
        for box, text in first
    )


def _without_title(text: str, title: str) -> tuple[str, bool]:
    """A cell's text over the title column with the title column's text taken out: the
    repeated column draws its own cell's text, clipped, over the one that runs on past it (the
    two interleaved, character by character); False where the title's characters are not all
    there in order, or could be taken out of it in more than one way (what is the cell's own
    is then unsure)."""
    if within(text, title):
        return "", True  # the title column's text, the cell's own clipped away behind it
    own, sure = _taken_out(text, "".join(title.split()))
    return once(own), sure


def _taken_out(text: str, part: str) -> tuple[str, bool]:
    """The text without `part`'s characters, in order, and whether they could be found in one
    way only (the first places they can stand are the last); the text as it is, False, where
    they are not all there."""
    compact = "".join(text.split())
    if part and compact.startswith(part):  # drawn whole before the cell's own text, or after
        return _drop_chars(text, len(part), from_end=False), True
    if part and compact.endswith(part):
        return _drop_chars(text, len(part), from_end=True), True
    chars = [(i, c) for i, c in enumerate(text) if not c.isspace()]
    first, last = _places(chars, part), _places(chars[::-1], part[::-1])
    if first is None or last is None:
        return text, False
    own = "".join(c for i, c in enumerate(text) if i not in first)
    return own.strip(), first == last


def _drop_chars(text: str, count: int, from_end: bool) -> str:
    """The text without its first (last) `count` characters other than white space."""
    chars = list(text[::-1] if from_end else text)
    dropped, index = 0, 0
    while dropped < count:
        dropped += not chars[index].isspace()
        index += 1
    rest = "".join(chars[index:])
    return (rest[::-1] if from_end else rest).strip()


def _places(chars: list[tuple[int, str]], part: str) -> set[int] | None:
    """Where `part`'s characters stand in `chars`, each at the first place it can."""
    places: set[int] = set()
    rest = iter(chars)
    for char in part:
        found = next((i for i, c in rest if c == char), None)
        if found is None:
            return None
        places.add(found)
    return places


def _beside_merged_title(side: TablePart, box: Box, start: float) -> bool:
    """Is there, in the same rows, a cell of the side over its title column and on, ending
    at this cell (a label merged over the title column and the next columns: its text drawn
    where the whole merged cell would centre it, maybe in this cell)?"""
    return any(
        other[0] < start - ROW_TOLERANCE < other[2] - 2 * ROW_TOLERANCE
        and abs(other[2] - box[0]) <= ROW_TOLERANCE
        and abs(other[1] - box[1]) <= ROW_TOLERANCE
        and abs(other[3] - box[3]) <= ROW_TOLERANCE
        for other in side.boxes
    )


def _label_merged_on(host: TablePart, box: Box, width: float) -> bool:
    """Is the host's cell at its left edge in the same rows as `box` merged on past the title
    column's `width` (its text drawn where the whole merged cell centres it, which on a later
    strip may fall inside a cell of the strip), or open at its right (merged on over the cut)?"""
    return any(
        abs(cell[0] - host.bbox[0]) <= ROW_TOLERANCE
        and abs(cell[1] - box[1]) <= ROW_TOLERANCE
        and abs(cell[3] - box[3]) <= ROW_TOLERANCE
        and (i in host.cut_right or cell[2] > host.bbox[0] + width + ROW_TOLERANCE)
        for i, cell in enumerate(host.boxes)
    )


def _without_merged_title(text: str, title: str) -> tuple[str, bool]:
    """The cell's text without the merged label's text drawn over it (whole, before or after
    the cell's own, or among its characters where they can be taken out one way only; else
    the text as it is, unsure)."""
    whole, compact = "".join(title.split()), "".join(text.split())
    if title == "\0" or not whole or compact == whole or not within(whole, compact):
        return text, True
    own, sure = _taken_out(text, whole)
    return (own, True) if sure and own else (text, False)


def _spilt_texts(host: TablePart, side: TablePart, start: float) -> dict[int, tuple[str, bool]]:
    """The texts of the side's cells beside its title column as their own (by index), where a
    title column's label ran past the column's edge: a label centred over a merged cell wider
    than the column draws its characters on over the next cells of its row, and the start of
    the first one's text may fall in the title column's cell (read there). The label's
    characters its own cell does not show taken out of the cells in turn, the ones it shows of
    the next cell put back in front; unsure (False) where they could be taken out in more than
    one way or are not all there."""
    out: dict[int, tuple[str, bool]] = {}
    if start - side.bbox[0] <= ROW_TOLERANCE:
        return out
    for box, shown in zip(side.boxes, side.texts, strict=True):
        if box[0] < side.bbox[0] - ROW_TOLERANCE or abs(box[2] - start) > ROW_TOLERANCE:
            continue  # (a title column's cell ending at the strip's own columns)
        title = host_text_at(host, box[1], box[3], host.bbox[0] + box[0] - side.bbox[0])
        whole, kept = "".join(title.split()), "".join(shown.split())
        if title == "\0" or not whole or within(whole, kept):
            continue
        common = 0
        while common < min(len(whole), len(kept)) and whole[common] == kept[common]:
            common += 1
        lent, rest = kept[common:], whole[common:]
        row = sorted(
            (other[0], i)
            for i, other in enumerate(side.boxes)
            if other[0] >= start - ROW_TOLERANCE
            and abs(other[1] - box[1]) <= ROW_TOLERANCE
            and abs(other[3] - box[3]) <= ROW_TOLERANCE
        )
        touched: list[int] = []
        for _, i in row:
            text = side.texts[i]
            found = _found_prefix(text, rest)
            if not found and touched:
                break
            if not found:
                continue  # (a label centred over a merged cell may pass over the first cells)
            own, sure = _taken_out(text, rest[:found])
            out[i] = ((lent + own) if not touched else own, sure)
            touched.append(i)
            rest = rest[found:]
            if not rest:
                break
        if rest:  # not all of the label found: what the cells hold is unsure
            out.update({i: (side.texts[i], False) for i in touched})
    return out


def _found_prefix(text: str, part: str) -> int:
    """How many of `part`'s first characters stand in the text, in order."""
    rest = iter("".join(text.split()))
    count = 0
    for char in part:
        if char not in rest:
            break
        count += 1
    return count


def once(text: str) -> str:
    """A text drawn twice over a cell (by the title column and by the cell itself) once."""
    compact = "".join(text.split())
    half = len(compact) // 2
    if half and compact[:half] == compact[half:]:
        return compact[:half]
    return text


def _raised(confidences: tuple[float, ...], index: int) -> tuple[float, ...]:
    return tuple(1.0 if i == index else c for i, c in enumerate(confidences))


def _lowered(confidences: tuple[float, ...], index: int) -> tuple[float, ...]:
    return tuple(min(c, UNSURE) if i == index else c for i, c in enumerate(confidences))


def _after_title(side: TablePart, box: Box, start: float) -> bool:
    """Does the cell start where the side's title columns end (the rule at its left the title
    column's, drawn whether or not the cell runs on from the page before)?"""
    return start > side.bbox[0] + ROW_TOLERANCE and abs(box[0] - start) <= ROW_TOLERANCE


def _cut_partner(host: TablePart, moved: Box) -> int | None:
    """The host's cell cut at its right in the same rows as the side's cell cut at its left."""
    for i in host.cut_right:
        box = host.boxes[i]
        if abs(box[1] - moved[1]) <= ROW_TOLERANCE and abs(box[3] - moved[3]) <= ROW_TOLERANCE:
            return i
    return None


def _title_tail_before(left: str, right: str, title: str) -> bool:
    """Is the side's half of a cut cell some of the host's half after the last character or two
    of the row's title label (`项目名称` clipped at the title column's edge drawing its `称` at
    the head of the project name's cell: `称房运营管理经费` beside `…住房运营管理经费`)?"""
    label = "".join(title.split()) if title != "\0" else ""
    right = "".join(right.split())
    for lost in range(1, LAST_CHARS + 1):
        if len(label) > lost and right.startswith(label[-lost:]):
            rest = right[lost:]
            if rest and within(rest, left):
                return True
    return False


def _cut_text(left: str, right: str) -> tuple[str, bool]:
    """One cell's text from its two halves' (each page draws the whole text, clipped): the
    same, or one empty, or one holding the other's characters in order (a page lost what
    fell past its edge)."""
    if left == right or not right:
        return left, True
    if not left:
        return right, True
    if within(right, left):
        return left, True
    if within(left, right):
        return right, True
    return left + right, False
