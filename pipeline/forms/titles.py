"""Which forms' titles a line holds: whole, or without the 表 a page title may have lost."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pipeline.forms.normalize import label_key

_TAIL_NOISE = re.compile(r"[\s（）()\d年度]*$")
_SHORTEST_STEM = 6  # characters: a title shorter than this never loses its 表 (自评表)


def title_matches(
    form_titles: Iterable[tuple[str, Sequence[str]]], title_tails: Sequence[str], text: str
) -> dict[str, int]:
    """Each form (of `form_titles`, its name and titles) whose title occurs in `text`, with
    the length of its longest title found there. A title may have lost its last 表 where nothing but a year, brackets or one of
    the vocabulary's title tails follows (`…绩效目标自评` over `(2024年度)`, `…自评情况公示`)."""
    key = label_key(text)
    tails = tail_keys(title_tails)
    found: dict[str, int] = {}
    for form, titles in form_titles:
        for title in titles:
            t = label_key(title)
            length = len(t) if t in key else tailless_match(key, t, tails)
            if length and length > found.get(form, 0):
                found[form] = length
    return found


def tail_keys(title_tails: Sequence[str]) -> tuple[str, ...]:
    """The keys of what may follow a title that lost its 表 (情况公示)."""
    return tuple(label_key(t) for t in title_tails)


def tailless_match(key: str, title: str, tails: tuple[str, ...]) -> int:
    """The length of `title` without its last 表 where `key` ends with it (a year, brackets or
    a title tail after it aside); 0 where it does not."""
    if not title.endswith("表") or len(title) < _SHORTEST_STEM:
        return 0
    stem = title[:-1]
    at = key.rfind(stem)
    if at < 0:
        return 0
    rest = _TAIL_NOISE.sub("", key[at + len(stem) :])
    return len(stem) if rest == "" or rest in tails else 0
