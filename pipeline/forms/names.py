"""A project's name read with doubt, read again from the form's own words.

A scan's project name keys every value of its form, so one character misread in it (`少年管`
for `少年宫`, the name's cell under a seal) puts all of them under another key. The form
itself most often writes the name's words again, read surely elsewhere: its goals, its
indicators (`保障全区18所乡村学校少年宫正常运转`, `支持少年宫数量`). A character of the
doubted name that nothing in the form writes beside either of its neighbours, where a sure
text writes the name's next (or previous) MIN_CONTEXT characters beside another character, is
taken to be that other character. The name stays doubted (its values keep their flag): the
words make it likelier, not sure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MIN_CONTEXT = 4  # characters of the name a sure text must write beside the other character
_CJK = re.compile(r"[\u4e00-\u9fff]")


def name_from_own_words(name: str, texts: Iterable[str]) -> str:
    """The name with its one character that the form's sure `texts` put right, if there is
    exactly one such character and one reading of it; else the name as it was read."""
    sure = [t for t in texts if t]
    fixes = {fix for i in range(len(name)) for fix in _fixes_at(name, i, sure)}
    if len(fixes) != 1:
        return name
    ((i, char),) = fixes
    return name[:i] + char + name[i + 1 :]


def _fixes_at(name: str, i: int, texts: list[str]) -> set[tuple[int, str]]:
    """The characters the texts write where the name's character `i` stands, by its
    MIN_CONTEXT characters before or after, if the texts never write that character beside
    either of its neighbours in the name."""
    if not _CJK.match(name[i]) or _supported(name, i, texts):
        return set()
    fixes: set[tuple[int, str]] = set()
    before, after = name[max(i - MIN_CONTEXT, 0) : i], name[i + 1 : i + 1 + MIN_CONTEXT]
    for text in texts:
        if len(before) == MIN_CONTEXT:
            fixes |= {(i, m.group(1)) for m in re.finditer(re.escape(before) + "(.)", text)}
        if len(after) == MIN_CONTEXT:
            fixes |= {(i, m.group(1)) for m in re.finditer("(.)" + re.escape(after), text)}
    return {(k, c) for k, c in fixes if c != name[i] and _CJK.match(c)}


def _supported(name: str, i: int, texts: list[str]) -> bool:
    """Does a text write the name's character `i` beside its neighbour before or after it?"""
    pairs = [name[i - 1 : i + 1] if i > 0 else "", name[i : i + 2] if i + 1 < len(name) else ""]
    return any(pair and pair in text for pair in pairs if len(pair) == 2 for text in texts)
