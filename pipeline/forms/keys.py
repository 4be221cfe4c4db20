"""The project name that keys every value of a scanned form, confirmed or completed by the
form's title where the name's own cell was read in doubt.

A seal pressed over the name's cell takes strokes with it: `高标准农田建设项目管护经` is read
for `…管护经费` as sure as the rest, and every value of the form comes out under a wrong key.
Many titles print the name again, clear of the seal: unit + project + the form's title
(`玛纳斯县农业农村局高标准农田建设项目管护经费项目支出绩效自评表`). Where the name read occurs
there once, the title's text from it to the form's own title (a year aside) is the name, and
where every character of that stretch was read sure and clear of any seal (TextLine's
char_confidences), the name is the title's and as sure as it. Anything else (the name not in
the title, the title unsure there) leaves the name as read, and in doubt.

A name ending in the words the form's title opens with (`…项目` before `项目支出绩效自评表`)
may have been printed once for both; the title is read as its writer's convention has it:
the name is what stands before the form's title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from pipeline.forms.normalize import label_key, to_simplified
from pipeline.forms.records import read_confidence, split_budget_code
from pipeline.model import FormInstance, Slot

SURE = 0.8  # a key read less sure than this flags its form's values (LOW_CONFIDENCE)
# a CJK character of the title read less sure than this may be another (the recogniser's
# LETTER_FLOOR): the name is not taken from it
SURE_CHAR = 0.84
MAX_SCORE = 0.9999  # a reading is never as sure as a text layer
_YEAR_TAIL = re.compile(r"[（(]?(?:19|20)\d\d年度?[)）]?$")
_YEAR_HEAD = re.compile(r"^[（(]?(?:19|20)\d\d年度?[)）]?")
SHORTEST_NAME = 3  # characters: no project is named by fewer
# a name read from the title alone (its cell lost it whole): its key is likely, not sure
FROM_TITLE_ALONE = 0.7
# what a name's tail the seal took may hold: characters, digits, brackets, a dash
_NAME_TAIL = re.compile(r"[\u4e00-\u9fff0-9A-Za-z（）()、\-—]{0,16}")


def keyed_by_title(form: FormInstance, slots: list[Slot], titles: Sequence[str]) -> list[Slot]:
    """The form's slots with its project name, read in doubt, taken from its title where the
    title prints it sure (`titles`: the form kind's titles, which follow the name there); a
    name lost whole under a seal taken from the title as well, where the title opens with a
    unit named in the form's head, but in doubt still (read once, and by the title's
    convention only)."""
    at = next((i for i, s in enumerate(slots) if s.carries == "project"), None)
    if at is None or form.title_line is None:
        return slots
    slot = slots[at]
    if slot.cell is None or (read_confidence(slot) >= SURE and slot.value_raw.strip()):
        return slots
    line = form.title_line
    title = _scores(line.text, line.char_confidences, line.confidence)
    if not slot.value_raw.strip():
        heads = [s.value_raw.strip() for s in slots if s.section == slot.section and s is not slot]
        found = name_after_unit(line.text, title, heads, titles)
        if found is None:
            return slots
        cell = replace(slot.cell, confidence=min(found[1], FROM_TITLE_ALONE))
        return [*slots[:at], replace(slot, value_raw=found[0], cell=cell), *slots[at + 1 :]]
    code, name = split_budget_code(slot.value_raw.strip())
    own = _scores(slot.cell.text.strip(), slot.cell.char_confidences, slot.cell.confidence)
    if slot.cell.text.strip() != slot.value_raw.strip():
        own = (slot.cell.confidence,) * len(slot.value_raw.strip())
    found = name_in_title(name, own[len(code) :], line.text, title, titles)
    if found is None:
        return slots
    full, sure = found
    # a budget code before the name is read from its cell only: the value stays as unsure;
    # and so does a doubt on the cell beyond its characters' (its region guessed: a rule
    # joined across a seal), which the title cannot lift
    beyond = slot.cell.confidence < min(own, default=1.0)
    kept = code or beyond
    cell = replace(slot.cell, confidence=slot.cell.confidence if kept else sure)
    return [*slots[:at], replace(slot, value_raw=code + full, cell=cell), *slots[at + 1 :]]


def name_after_unit(
    title: str, scores: Sequence[float], heads: Sequence[str], titles: Sequence[str]
) -> tuple[str, float] | None:
    """The name a title prints between a unit the form's head names (`heads`: its other head
    values; the title opens with one, a year aside) and the form's own title (a year aside),
    and how sure the title's characters there are; None where the title is not so made."""
    seen = _simplified(title)
    opening = len(seen) - len(_YEAR_HEAD.sub("", seen))
    units = [h for h in heads if len(h) >= 2 and seen.startswith(_simplified(h), opening)]
    if not units:
        return None
    start = opening + max(map(len, units))
    end = _form_title_at(seen, start, titles)
    if end is None:
        return None
    name = _YEAR_TAIL.sub("", _YEAR_HEAD.sub("", title[start:end]))
    if len(name) < SHORTEST_NAME or not _NAME_TAIL.fullmatch(name):
        return None
    start = title.index(name, start)
    return name, min(scores[start - 1 : start + len(name) + 1])


def _scores(text: str, chars: tuple[float, ...], confidence: float) -> tuple[float, ...]:
    """Each character's confidence, or the text's one for all where they are not known."""
    return chars if len(chars) == len(text) else (confidence,) * len(text)


def name_in_title(
    name: str,
    own: Sequence[float],
    title: str,
    scores: Sequence[float],
    titles: Sequence[str],
) -> tuple[str, float] | None:
    """The name as `title` prints it and how sure it is there, with `own` (each character's
    score in its own cell) and `scores` (the title's): `name` found once in the title, its
    first character read sure in its own cell (where the name begins the title cannot say:
    the unit's name stands before it), each of its characters sure in one reading or the
    other (both read it so), and the title's text after it up to one of `titles` (its first
    occurrence, a year aside) with the character after that stretch read sure in the title
    (a character a seal hid leaves its neighbours unsure); None where they do not agree so."""
    if len(name) < 2 or len(own) != len(name) or own[0] < SURE_CHAR:
        return None
    seen = _simplified(title)  # a traditional title found by the definitions' words too
    start = seen.find(_simplified(name))
    if start < 0 or seen.find(_simplified(name), start + 1) >= 0:
        return None
    after = start + len(name)
    end = _form_title_at(seen, after, titles)
    if end is None:
        return None
    tail = _YEAR_TAIL.sub("", title[after:end])
    if not _NAME_TAIL.fullmatch(tail):
        return None
    agreed = [max(a, b) for a, b in zip(own, scores[start:after], strict=True)]
    sure = min([*agreed, *scores[after : after + len(tail) + 1]])
    if sure < SURE_CHAR:
        return None
    return name + tail, min(sure, MAX_SCORE)


def _simplified(text: str) -> str:
    """`text` in simplified characters, character for character (as it was where a phrase
    would change its length)."""
    simple = to_simplified(text)
    return simple if len(simple) == len(text) else text


def _form_title_at(title: str, after: int, titles: Sequence[str]) -> int | None:
    """Where in `title`, at `after` or beyond, the first of the form's titles begins (a
    title's words as the definitions spell them, or without its last 表)."""
    starts = [
        at
        for words in titles
        for spelled in {label_key(words), label_key(words).removesuffix("表")}
        if len(spelled) >= 4 and (at := title.find(spelled, after)) >= 0
    ]
    return min(starts, default=None)
