"""The lines around a form's table: the 填表人 footer under it, and the 单位名称 / 填报日期
lines some provinces write above it."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from extractors import BBox, Cell, TextLine
from pipeline.definitions import FooterItem, Vocabulary
from pipeline.forms.normalize import label_key, strip_pinyin, strip_text, to_simplified
from pipeline.model import Slot

MAX_WRAPPED_REMAINDER = 20  # characters: more than this under a footer line is a paragraph
# another `label：` after white space ends a footer value (`蒋丽    审核人：王建军`)
_NEXT_LABEL = re.compile(r"\s+(?P<label>[^\s:：\d]{1,8})[:：]")
# a footer label this long or longer, read with one character wrong, dropped or added (a scan:
# `单位负专人签字`, `单位负责签字`), still ends the value before it, with or without its colon
MIN_NEAR_LABEL = 4
NEAR_LABEL = 0.5  # how sure a footer value is whose label was read so: a guess
_ATTACHMENT = re.compile(r"^附件\s*[0-9０-９一二三四五六七八九十]+\s*[:：]?$")  # the next form's
_UNIT_LINE = re.compile(
    r"^(?:填报单位|单位名称|单位|部门名称|预算单位)[:：]\s*(?P<unit>\S.*?)\s*(?=$|\s{2,})"
)


def _footer_pattern(vocabulary: Vocabulary) -> tuple[re.Pattern[str], dict[str, FooterItem]]:
    return _pattern_of(vocabulary.footer_items)


def footer_items_of(line: TextLine, vocabulary: Vocabulary) -> frozenset[str]:
    """The footer items a line holds, if it holds nothing else (`填报日期：2025年3月18日`)."""
    slots, unknown = lines_to_footer((line,), vocabulary)
    pattern, _ = _footer_pattern(vocabulary)
    plain = to_simplified(strip_pinyin("".join(line.text.split())))
    if unknown or not slots or pattern.match(plain) is None:
        return frozenset()
    return frozenset(slot.item for slot in slots)


def footer_lead(
    lines: list[TextLine], items: frozenset[str] | None, vocabulary: Vocabulary
) -> list[TextLine]:
    """The footer lines right above a form's title (`填报日期：…` set over each form): before
    the first form any, before a later one only those holding the items the first form had
    there (the lines above them are the form before's own footer)."""
    lead: list[TextLine] = []
    for line in reversed(lines):
        held = footer_items_of(line, vocabulary)
        if not held or (items is not None and not held <= items):
            break
        lead.insert(0, line)
    return lead


def footer_items_in(lines: list[TextLine], vocabulary: Vocabulary) -> frozenset[str]:
    return frozenset().union(*(footer_items_of(line, vocabulary) for line in lines))


@cache  # asked for each table row (is it the footer?): built once per vocabulary
def _pattern_of(items: tuple[FooterItem, ...]) -> tuple[re.Pattern[str], dict[str, FooterItem]]:
    words = {w: item for item in items for w in (item.item, *item.synonyms)}
    alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(f"({alternatives})" + r"\s*[:：]"), words


def lines_to_footer(
    lines: tuple[TextLine, ...], vocabulary: Vocabulary
) -> tuple[list[Slot], list[str]]:
    """`填表人：何琼    填报日期：2025.6.25 …` under a form: one slot per footer item, in order,
    and the labels no footer item names that ended a value (`审核人：…`). A footer line the PDF
    layout wrapped goes on in the short line right under it; a pinyin reading after each
    character of a label (`填(tián)表(biǎo)人(rén)`) is no part of it."""
    pattern, words = _footer_pattern(vocabulary)
    slots: list[Slot] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for line in wrapped_to_paragraphs(lines, pattern):
        plain = strip_pinyin(line.text)
        folded = to_simplified(plain)  # 填報日期 is 填报日期; values are cut from the original
        text = folded if len(folded) == len(plain) else plain
        matches = [(m.start(), m.end(), m.group(1), False) for m in pattern.finditer(text)]
        if line.confidence < 1.0:  # a scan's: a label a seal took a character of, too
            matches = sorted(matches + near_labels(text, words, matches))
        for i, (_, value_at, word, guessed) in enumerate(matches):
            item = words[word]
            end = matches[i + 1][0] if i + 1 < len(matches) else len(plain)
            other = _NEXT_LABEL.search(plain, value_at, end)
            if other is not None:
                unknown.append(strip_text(plain[other.start() : end]))
                end = other.start()
            end = _near_label_start(plain, value_at, end, words) or end
            if item.item in seen:
                continue
            seen.add(item.item)
            value, sure = shaped(strip_text(plain[value_at:end]), item)
            slots.append(
                Slot(
                    section="footer",
                    item=item.item,
                    measure="value",
                    value_raw=value,
                    numeric=False,
                    is_date=item.date,
                    line=line,
                    rests_on=min(NEAR_LABEL if guessed else 1.0, 1.0 if sure else OFF_SHAPE),
                )
            )
    return slots, unknown


_RUN_IN_LABEL = re.compile(r"[\u4e00-\u9fff]{2}")
OFF_SHAPE = 0.5  # a footer value not written as its item's values are
MIN_SHAPED = 7  # characters of a phone number's shape before a label run into it


def shaped(value: str, item: FooterItem) -> tuple[str, bool]:
    """A footer value as its item's shape has it, and whether it is sure: a phone number with
    the next label run into it (`0731-28836540单位大签字`: the label misread, so not told as
    one) is the number, unsure where it ends; any other value off the shape is kept, unsure."""
    if item.shape is None or not value or item.shape.fullmatch(value):
        return value, True
    head = item.shape.match(value)
    if head is None or len(head.group().strip()) < MIN_SHAPED:
        return value, False
    if not _RUN_IN_LABEL.match(value[head.end() :]):
        return value, False  # `0731-2883654（办）`: a note of its own, kept
    return head.group().rstrip("(（-－—–+＋、,，/ 　"), False


def near_labels(
    text: str, words: dict[str, FooterItem], exact: list[tuple[int, int, str, bool]]
) -> list[tuple[int, int, str, bool]]:
    """The footer labels of a scanned line read with one character wrong, dropped or added
    and then a colon (`填报日：2025.4.28`: its 期 under a seal), outside the labels read
    exactly: (start, where its value begins, the label's word, True: a guess)."""
    found: list[tuple[int, int, str, bool]] = []
    taken = [(start, end) for start, end, _, _ in exact]
    for word in (w for w in words if len(w) >= MIN_NEAR_LABEL):
        for n in (len(word) - 1, len(word), len(word) + 1):
            for at in range(len(text) - n):
                seen, colon = text[at : at + n], text[at + n]
                if (
                    colon in ":："
                    and seen != word
                    and seen[0] == word[0]
                    and _one_edit_apart(seen, word)
                    and not any(s < at + n and at < e for s, e in taken)
                ):
                    found.append((at, at + n + 1, word, True))
                    taken.append((at, at + n + 1))
    return found


def wrapped_to_paragraphs(lines: tuple[TextLine, ...], pattern: re.Pattern[str]) -> list[TextLine]:
    """The lines with each line the layout wrapped joined to the short remainder right under
    it (`填表人：马淑华 填报` / `日期：2025.6.25 联` / `系电话：0931-` in a narrow column): one
    line again, so a label broken over the wrap is whole."""
    margin = max((ln.bbox.x1 for ln in lines if ln.bbox is not None), default=None)
    joined: list[TextLine] = []
    last: TextLine | None = None  # the line the next may wrap on from
    for line in lines:
        if joined and _wraps_on(last, line, margin):
            previous = joined[-1]
            text = _join_wrapped(previous.text.rstrip(), line.text.strip(), pattern)
            joined[-1] = replace(previous, text=text, bbox=_spanning(previous.bbox, line.bbox))
        else:
            joined.append(line)
        last = line
    return joined


def _spanning(a: BBox | None, b: BBox | None) -> BBox | None:
    if a is None or b is None:
        return a or b
    return BBox(min(a.x0, b.x0), min(a.top, b.top), max(a.x1, b.x1), max(a.bottom, b.bottom))


def _join_wrapped(before: str, after: str, pattern: re.Pattern[str]) -> str:
    """Two pieces of a wrapped line as one: run together where the wrap cut a word (CJK text
    wraps anywhere), kept apart by a space where the remainder opens a label of its own that
    no footer label runs across the wrap into (`…2025.6.25` / `审核人：王建军`)."""
    together = before + after
    opens = _NEXT_LABEL.match(" " + after)
    if opens is None or pattern.search(opens.group(0)):
        return together  # no label, or one ending in a footer label (`芬填报日期：`)
    cut = len(before)
    if any(m.start() < cut < m.end() for m in pattern.finditer(together)):
        return together  # `填报` / `日期：`: a label the wrap broke
    return f"{before} {after}"


def footer_row_to_lines(own: list[Cell], vocabulary: Vocabulary) -> tuple[TextLine, ...] | None:
    """A table row that is the footer (`填表人：马淑华 填报日期：…` in the sheet's last row,
    in one cell or one item to a cell): its cells as the footer's line, or None when the row
    does not open with a footer label."""
    cells = [c for c in own if c.text.strip()]
    if not cells:
        return None
    pattern, _ = _footer_pattern(vocabulary)
    first = to_simplified(strip_pinyin(" ".join(cells[0].text.split())))
    if not pattern.match(first):
        return None
    text = "  ".join(" ".join(c.text.split()) for c in cells)
    page = cells[0].page
    return (TextLine(text, page, cells[0].bbox, min(c.confidence for c in cells)),)


def _near_label_start(text: str, start: int, end: int, words: dict[str, FooterItem]) -> int | None:
    """Where in text[start:end] (a footer value) another footer label begins, read exactly
    but without its colon, or with one character wrong, dropped or added (a seal or a
    signature over it on a scan): `0735-2226391单位负专人签字`. None if none does. The value
    keeps at least one character."""
    long = [w for w in words if len(w) >= MIN_NEAR_LABEL]
    for at in range(start + 1, end):
        if not text[start:at].strip():
            continue
        for word in long:
            if any(
                _one_edit_apart(text[at : at + n], word)
                for n in (len(word) - 1, len(word), len(word) + 1)
                if at + n <= end
            ) and text[at] in (word[0], word[1]):
                return at
    return None


def _one_edit_apart(seen: str, word: str) -> bool:
    """Is `seen` `word` with at most one character changed, dropped or added?"""
    if abs(len(seen) - len(word)) > 1:
        return False
    if len(seen) == len(word):
        return sum(a != b for a, b in zip(seen, word, strict=True)) <= 1
    short, long = sorted((seen, word), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def lines_to_unit(lines: tuple[TextLine, ...]) -> str | None:
    """`单位名称:隆阳区土壤肥料工作站` on a line above the table: the reporting unit."""
    for line in lines:
        match = _UNIT_LINE.match(strip_text(line.text))
        if match and label_key(match.group("unit")) not in ("万元", "元"):
            return match.group("unit")
    return None


def _wraps_on(previous: TextLine | None, line: TextLine, right_margin: float | None) -> bool:
    """Does `line` continue `previous` right under it on the same page: a short remainder of a
    line that ran into the right margin (not the next paragraph)?"""
    if previous is None or previous.bbox is None or line.bbox is None or right_margin is None:
        return False
    height = previous.bbox.bottom - previous.bbox.top
    gap = line.bbox.top - previous.bbox.bottom
    reached_margin = previous.bbox.x1 >= right_margin - 2 * height
    # `0931-` / `8812345`: a browser breaks at a hyphen; `系电话：` / `0938-6672219`: a value
    # too long for what the line had left goes under its label
    broke_early = previous.text.rstrip().endswith(("-", "－", ":", "："))
    short = len("".join(line.text.split())) <= MAX_WRAPPED_REMAINDER
    if _ATTACHMENT.match(line.text.strip()):
        return False  # `附件3` right under the footer (a spreadsheet's next row) opens a form
    return (
        line.page == previous.page
        and -1 <= gap < 0.8 * height
        and (reached_margin or broke_early)
        and short
    )
