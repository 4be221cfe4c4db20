"""The recogniser: RapidOCR's PP-OCR models (shipped inside the `rapidocr` wheel, nothing
downloaded) run by onnxruntime on the CPU; where a page's text lines are, what each line image
says, and how sure that reading is.

The engine and its onnxruntime sessions never leave this module: what comes out is `Rect`s,
text and scores. `SELFEVAL_OCR_THREADS` sets onnxruntime's threads per process; unset, each
worker takes its share of the cores (one each when there are as many workers as cores). The
recogniser spends its threads as that many runs side by side, each on one thread, not as
threads inside one run: its runs are small, and threads that wait on each other inside a run
lose more than they share (most on a busy machine).
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from extractors.scan.ruling import Rect

REC_HEIGHT = 48  # the recogniser's input height (PP-OCR rec_img_shape)
PACK_WIDTH = 320  # and its least width: a shorter line is padded to it with grey
PACK_GAP = 32  # grey between two crops packed into one recogniser run
REC_BATCH = 4  # canvases of one width read in one session run (more: slower on one thread)
DET_SIDE_PX = 1280  # the text detector's view of an A4 page at DPI: 0.73×, its lines ~14 px high
THREADS_ENV = "SELFEVAL_OCR_THREADS"
DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
SUSPECT_SCORE = 0.5
# a CJK character read less sure than this may well be another: the misread ones of the
# fixture scans (人 as 入, 适 as 造) lie below 0.73, most right ones far above (a few near 0.6);
# an unseen 150-dpi scan's long text that lost a character (施工未能 read 施木能, its mean
# 0.83) held one between the two; at 0.84 the fixture scans' 1750 values get some 8 more
# flags (not 0.85: a label of a fixture scan is read at 0.847 in one process and above 0.85 in
# another, as onnxruntime's sums differ a little, and its values' flags would differ too);
# so is a Latin letter amid CJK characters (卫 read as U), not one of a note such as (B/A)
LETTER_FLOOR = 0.84
_CJK = re.compile(r"[\u4e00-\u9fff]")
# marks a recogniser takes for one another in a sentence (；for：, ，for 。 or .): one read
# less sure than MARK_FLOOR beside a CJK character may well be its twin, and the text is then
# another (the fixture scans' sentence marks are read at 0.94 or more but for a few of an
# ellipsis; an unseen scan's ；read ： at 0.82); 、 has no such twin: an unsure one is still 、
_TWIN_MARKS = frozenset("，。；：,.;:")
MARK_FLOOR = 0.9
_LATIN = re.compile(r"[A-Za-z]")
# a gap between two wide characters (CJK, full-width marks) wider than this many times the
# line's usual pitch, with ink in it, held a character the recogniser passed over; the pitch
# is the median of at least MIN_PITCHES such gaps
SKIP_GAP, MIN_PITCHES = 1.7, 3
INK_LEVEL = -0.5  # darker than this on the recogniser's input (-1 black, 1 white) is ink
# the middle of such a gap, this share of the pitch either side of its centre, holds a
# skipped character's strokes when more than SKIP_INK of it is ink (a space, none)
SKIP_MIDDLE, SKIP_INK = 0.2, 0.05
SKIPPED_SCORE = 0.5
# two characters read as one (`施工未能` read `施木能`): the wide characters either side of it
# stand more than this many pitches apart (two would be right, three with a character more;
# the recogniser places each character within a third of a pitch)
MERGED_SPAN = 2.8
STEP_WINDOW, STEP_SHARE = 4, 0.7  # a character lost in a long run: see _steps
# a gap between two digits this many times the digits' usual pitch, with ink in it, held a mark
# the recogniser passed over (`0736-7252183` read `07367252183`: a hyphen is most of a digit
# wide; digits stand at an even pitch, placed within a third of one)
DIGIT_SKIP_GAP = 1.55
_NUMBER_CHARS = frozenset("0123456789.,:;%％．，·•∙")
# a digit then : or ; then a digit, a number or percentage ending in a point, a comma not
# before three digits
_SUSPECT_NUMBER = re.compile(r"\d[:;：；·•∙]\d|[\d%％][.．](?!\d)|\d[,，]\d{1,2}(?!\d)")
_NUMBER_LIKE = re.compile(
    r"\s*[≥≤<>=]?\s*[\d.,:;：；．，·•∙]+\s*(%|％|[\u4e00-\u9fff]{0,3})[.．]?\s*"
)


# ---------------------------------------------------------------------------------------------
# The engine, one per process


def load_libraries() -> None:
    """Import RapidOCR and onnxruntime, so that worker processes forked afterwards only open
    the model sessions (onnxruntime sessions do not survive a fork)."""
    import onnxruntime  # noqa: F401
    import rapidocr.main  # noqa: F401  # the detector


def model_path(name: str) -> Path:
    """A model file shipped inside the rapidocr wheel, found without importing the package."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("rapidocr is not installed: its wheel ships the OCR models")
    return Path(next(iter(spec.submodule_search_locations))) / "models" / name


@functools.cache
def rec_session() -> Any:
    """The recogniser's onnxruntime session, one per process, made on first use (after the
    fork); each of its runs on one thread (rec_streams() of them at once)."""
    return _session(REC_MODEL, threads=1)


def rec_streams() -> int:
    """How many recogniser runs go side by side: the process's OCR threads, or with
    onnxruntime's default (0) the cores it may run on."""
    return ocr_threads() or max(1, len(os.sched_getaffinity(0)))


_pools: dict[tuple[int, int], Any] = {}


def _pool(streams: int) -> Any:
    """This process's threads for the recogniser's runs (made anew in a forked child: threads
    do not survive the fork)."""
    from concurrent.futures import ThreadPoolExecutor

    key = (os.getpid(), streams)
    if key not in _pools:
        _pools[key] = ThreadPoolExecutor(streams, thread_name_prefix="selfeval-rec")
    return _pools[key]


@functools.cache
def charset() -> list[str]:
    """The recogniser's classes: CTC blank, the characters in the model's metadata, a space."""
    listed = rec_session().get_modelmeta().custom_metadata_map["character"].splitlines()
    return ["blank", *listed, " "]


def _session(name: str, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # keep onnxruntime's buffers between runs instead of asking the kernel for them anew
    options.enable_cpu_mem_arena = True
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(
        str(model_path(name)), sess_options=options, providers=["CPUExecutionProvider"]
    )


@functools.cache
def engine() -> Any:
    """RapidOCR's text detector for a page without a ruled grid, through its public API on the
    model files shipped inside the rapidocr wheel (nothing downloaded); one per process, made on
    first use (after the fork: onnxruntime sessions do not survive it)."""
    from rapidocr import RapidOCR

    params: dict[str, Any] = {
        "Global.log_level": "critical",
        "Global.use_cls": False,
        "Global.use_rec": False,
        "Det.model_path": str(model_path(DET_MODEL)),
        "Rec.model_path": str(model_path(REC_MODEL)),
        "Cls.model_path": str(model_path("ch_ppocr_mobile_v2.0_cls_mobile.onnx")),
        # the detector sees the page at most DET_SIDE_PX on its long side (never scaled up);
        # only where the lines are comes from it: the recogniser reads crops of the full image
        "Det.limit_type": "max",
        "Det.limit_side_len": DET_SIDE_PX,
        # keep onnxruntime's buffers between runs instead of asking the kernel for them anew
        "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
    }
    threads = ocr_threads()
    if threads > 0:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    return RapidOCR(params=params)


def warm_up() -> None:
    """Open this process's recogniser session now (scripts/bench.py: not part of a page's
    time); the detector's is opened only for a page without a grid."""
    charset()


_threads_share: int | None = None


def share_cores(threads: int) -> None:
    """The onnxruntime threads this process may use when SELFEVAL_OCR_THREADS is not set: the
    pipeline gives each worker its share of the cores before it reads a file."""
    global _threads_share
    _threads_share = max(1, threads)


def ocr_threads() -> int:
    """onnxruntime's threads: SELFEVAL_OCR_THREADS if set; else the share of the cores given
    by share_cores(); else 1 in a worker process and onnxruntime's default (0) elsewhere."""
    import multiprocessing

    value = os.environ.get(THREADS_ENV, "").strip()
    if value:
        try:
            return max(0, int(value))
        except ValueError:
            pass
    if _threads_share is not None:
        return _threads_share
    return 1 if multiprocessing.parent_process() is not None else 0


# ---------------------------------------------------------------------------------------------
# Detection and recognition


def detect_lines(grey: np.ndarray) -> list[Rect]:
    """The boxes of the text lines the detector finds on a grey page image."""
    import cv2

    image = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    found = engine()(image, use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(found, "boxes", None)
    return [] if boxes is None else [_rect_of(quad) for quad in boxes]


def _rect_of(quad: Any) -> Rect:
    points = np.asarray(quad, dtype=np.float64)
    return Rect(
        float(points[:, 0].min()),
        float(points[:, 1].min()),
        float(points[:, 0].max()),
        float(points[:, 1].max()),
    )


def recognise(images: list[np.ndarray]) -> list[tuple[str, float, list[float]]]:
    """Each grey line image read: its text, mean character probability and each character's.

    The recogniser reads an image REC_HEIGHT px high and at least PACK_WIDTH wide (a shorter
    one is padded with grey, as in training); most crops in a form are short (a number, a
    label), so several are packed side by side into one PACK_WIDTH image, PACK_GAP of grey
    apart, and the output columns under each crop are decoded as its own line.
    """
    session, classes = rec_session(), charset()
    feed = session.get_inputs()[0].name
    lines = [_rec_input(image) for image in images]
    results: list[tuple[str, float, list[float]]] = [("", 0.0, [])] * len(lines)
    runs: dict[int, list[tuple[list[int], np.ndarray, list[tuple[int, int]]]]] = {}
    for group in _pack([line.shape[2] for line in lines]):
        width = max(PACK_WIDTH, sum(lines[i].shape[2] for i in group) + PACK_GAP * (len(group) - 1))
        canvas = np.zeros((3, REC_HEIGHT, width), dtype=np.float32)
        spans: list[tuple[int, int]] = []
        x = 0
        for i in group:
            canvas[:, :, x : x + lines[i].shape[2]] = lines[i]
            spans.append((x, x + lines[i].shape[2]))
            x += lines[i].shape[2] + PACK_GAP
        runs.setdefault(width, []).append((group, canvas, spans))
    # canvases of one width go through the session together, REC_BATCH at a time (a few per
    # run cost a little less than one each, many more again; each canvas is still read on its
    # own); the runs go side by side, the longest first
    batches = [
        (width, same[start : start + REC_BATCH])
        for width, same in runs.items()
        for start in range(0, len(same), REC_BATCH)
    ]
    batches.sort(key=lambda run: -run[0] * len(run[1]))

    def read(run: tuple[int, list[tuple[list[int], np.ndarray, list[tuple[int, int]]]]]) -> None:
        width, batch = run
        # (canvases, steps, classes): probabilities per column
        preds = session.run(None, {feed: np.stack([canvas for _, canvas, _ in batch])})[0]
        step = width / preds.shape[1]
        centres = (np.arange(preds.shape[1]) + 0.5) * step
        for (group, canvas, spans), columns in zip(batch, preds, strict=True):
            for i, (x0, x1) in zip(group, spans, strict=True):
                # the columns centred in [x0 - PACK_GAP / 2, x1 + PACK_GAP / 2)
                first, past = np.searchsorted(centres, (x0 - PACK_GAP / 2, x1 + PACK_GAP / 2))
                text, mean, confs = _ctc_decode(columns[first:past], classes)
                at = centres[first:past][_kept_columns(columns[first:past])]
                doubted = doubt_skips(text, confs, at, canvas[0])
                results[i] = (text, mean, doubt_digit_skips(text, doubted, at, canvas[0]))

    streams = rec_streams()
    if streams > 1 and len(batches) > 1:
        list(_pool(streams).map(read, batches))
    else:
        for run in batches:
            read(run)
    return results


def _rec_input(grey: np.ndarray) -> np.ndarray:
    """A grey line image as the recogniser takes it: REC_HEIGHT px high at its aspect ratio,
    values in [-1, 1], three equal channels."""
    import cv2

    height, width = grey.shape
    new_width = max(1, math.ceil(REC_HEIGHT * width / max(height, 1)))
    resized = cv2.resize(grey, (new_width, REC_HEIGHT)).astype(np.float32) / 127.5 - 1.0
    return np.broadcast_to(resized, (3, REC_HEIGHT, new_width))


def _pack(widths: list[int]) -> list[list[int]]:
    """Indices of the images grouped into recogniser runs: each image wider than PACK_WIDTH
    alone, the others first-fit, widest first, into PACK_WIDTH (the run is that wide anyway)."""
    groups: list[list[int]] = []
    room: list[int] = []
    for i in sorted(range(len(widths)), key=lambda i: -widths[i]):
        if widths[i] <= PACK_WIDTH:
            for g, free in enumerate(room):
                if widths[i] + PACK_GAP <= free:
                    groups[g].append(i)
                    room[g] = free - widths[i] - PACK_GAP
                    break
            else:
                groups.append([i])
                room.append(PACK_WIDTH - widths[i])
        else:
            groups.append([i])
            room.append(0)
    return groups


def _kept_columns(preds: np.ndarray) -> np.ndarray:
    """The columns a CTC reading emits a character at: the best class, not blank (class 0),
    not the column before's repeated."""
    best = preds.argmax(axis=1)
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    keep &= best != 0
    return keep


def doubt_skips(text: str, confs: list[float], at: np.ndarray, image: np.ndarray) -> list[float]:
    """Each character's probability, but SKIPPED_SCORE for the two wide characters either side
    of a gap wider than SKIP_GAP of its line's usual pitch with ink in its middle: the
    recogniser passed over a character there (`挤占挪用` read `挤挪用`), so the line lacks one;
    and SKIPPED_SCORE for a wide character whose wide neighbours stand more than MERGED_SPAN
    pitches apart: it was read where two stand (`施工未能` read `施木能`).
    `at` is where each character was read (x on `image`, the recogniser's input: ink dark,
    near -1); a gap of blank paper or of the grey between packed crops is a space."""
    if len(at) != len(text) or len(confs) != len(text):
        return confs
    wide = [i for i in range(len(text) - 1) if not text[i].isascii() and not text[i + 1].isascii()]
    gaps = {i: float(at[i + 1] - at[i]) for i in wide}
    if len(gaps) < MIN_PITCHES:
        return confs
    pitch = float(np.median(list(gaps.values())))
    out = list(confs)
    for i in wide:
        if (
            i + 1 in gaps
            and gaps[i] + gaps[i + 1] > MERGED_SPAN * pitch
            and _inked(image, (at[i] + at[i + 1]) / 2, pitch)
            and _inked(image, (at[i + 1] + at[i + 2]) / 2, pitch)
        ):
            out[i + 1] = min(out[i + 1], SKIPPED_SCORE)  # it stands where two characters do
    for k in _steps(text, at, pitch):
        # ink all the way from the character before to the one after: no space, no grey
        # between packed crops or joined lines
        if _inked(image, (at[k - 1] + at[k]) / 2, pitch) and _inked(
            image, (at[k] + at[k + 1]) / 2, pitch
        ):
            out[k] = min(out[k], SKIPPED_SCORE)
    for i, gap in gaps.items():
        if gap > SKIP_GAP * pitch and _inked(image, (at[i] + at[i + 1]) / 2, pitch):
            # both its neighbours doubtful (the one after may be a mark, no letter)
            out[i], out[i + 1] = min(out[i], SKIPPED_SCORE), min(out[i + 1], SKIPPED_SCORE)
    return out


def doubt_digit_skips(
    text: str, confs: list[float], at: np.ndarray, image: np.ndarray
) -> list[float]:
    """Each character's probability, but SKIPPED_SCORE for the two digits either side of a gap
    wider than DIGIT_SKIP_GAP of the line's usual digit pitch with ink in its middle: a mark
    between them (a hyphen, a point) was passed over. The pitch is the median of at least
    MIN_PITCHES gaps between neighbouring digits."""
    if len(at) != len(text) or len(confs) != len(text):
        return confs
    pairs = [i for i in range(len(text) - 1) if text[i].isdigit() and text[i + 1].isdigit()]
    if len(pairs) < MIN_PITCHES:
        return confs
    gaps = {i: float(at[i + 1] - at[i]) for i in pairs}
    pitch = float(np.median(list(gaps.values())))
    out = list(confs)
    for i, gap in gaps.items():
        if gap > DIGIT_SKIP_GAP * pitch and _inked(image, (at[i] + at[i + 1]) / 2, pitch):
            out[i], out[i + 1] = min(out[i], SKIPPED_SCORE), min(out[i + 1], SKIPPED_SCORE)
    return out


def _steps(text: str, at: np.ndarray, pitch: float) -> list[int]:
    """The wide characters in a run of them after which the run's characters stand a pitch
    further on than their count says (more than STEP_SHARE of one, measured as the mean of
    STEP_WINDOW characters either side, which a character's placement, within a third of a
    pitch, does not move so far): one character was lost there, passed over or read with its
    neighbour as one. Each such character and the one before it."""
    found: set[int] = set()
    for start, end in _wide_runs(text):
        offset = at[start:end] - pitch * np.arange(end - start)  # level along an even run
        for k in range(STEP_WINDOW, end - start - STEP_WINDOW):
            before = float(offset[k - STEP_WINDOW : k].mean())
            after = float(offset[k + 1 : k + 1 + STEP_WINDOW].mean())
            if after - before > STEP_SHARE * pitch:
                found.add(start + k)
    return sorted(found)


def _wide_runs(text: str) -> list[tuple[int, int]]:
    """The [start, end) spans of consecutive wide (not ASCII) characters."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, char in enumerate([*text, "a"]):
        if not char.isascii() and start is None:
            start = i
        elif char.isascii() and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _inked(image: np.ndarray, centre: float, pitch: float) -> bool:
    """Is there ink (more than SKIP_INK of it) within SKIP_MIDDLE of a pitch of `centre` on a
    recogniser input? A space and the grey between packed crops hold none."""
    left, right = int(centre - SKIP_MIDDLE * pitch), int(centre + SKIP_MIDDLE * pitch) + 1
    middle = image[REC_HEIGHT // 4 : 3 * REC_HEIGHT // 4, max(left, 0) : max(right, 0)]
    return bool(middle.size) and float((middle < INK_LEVEL).mean()) > SKIP_INK


def _ctc_decode(preds: np.ndarray, charset: list[str]) -> tuple[str, float, list[float]]:
    """CTC columns to text: the best class per column, repeats merged, blanks (class 0)
    dropped; with the mean and each character's probability."""
    best = preds.argmax(axis=1)
    probs = preds[np.arange(len(best)), best]
    keep = _kept_columns(preds)
    text = "".join(charset[k] for k in best[keep])
    confs = [float(p) for p in probs[keep]]
    return text, float(np.mean(confs)) if confs else 0.0, confs


# ---------------------------------------------------------------------------------------------
# Scoring


def text_score(text: str, mean: float, confs: list[float]) -> float:
    """How sure the recogniser is of a line: its mean character probability, but no more than
    its least sure digit or number sign (one misread digit is what must not pass unflagged) or
    than a letter read below LETTER_FLOOR (a misread character in a name or a label puts a
    value under another key), and low for a number of a shape no form writes (`1352:66`, `0.`,
    `12,34`) or a text with a sentence mark read unsure (`；` may be `：`). Nothing read at all
    scores 0."""
    if not text.strip():
        return 0.0
    cap = SUSPECT_SCORE if _NUMBER_LIKE.fullmatch(text) and _SUSPECT_NUMBER.search(text) else 1.0
    if len(confs) != len(text):
        return min(float(mean), cap)
    numeric = [c for ch, c in zip(text, confs, strict=True) if ch in _NUMBER_CHARS]
    doubtful = [c for i, c in enumerate(confs) if c < LETTER_FLOOR and _doubtful_letter(text, i)]
    if _doubtful_mark(text, confs):
        cap = min(cap, SUSPECT_SCORE)
    return float(min([mean, cap, *numeric, *doubtful]))


def _doubtful_mark(text: str, confs: list[float]) -> bool:
    """Is a sentence mark with a look-alike (`；`, `：`, `，`, `。`) beside a CJK character read
    less sure than MARK_FLOOR?"""
    return any(
        c < MARK_FLOOR
        and char in _TWIN_MARKS
        and any(_CJK.match(n) for n in text[max(i - 1, 0) : i + 2])
        for i, (char, c) in enumerate(zip(text, confs, strict=True))
    )


def _doubtful_letter(text: str, i: int) -> bool:
    """Is text[i] a letter whose misreading changes a word: a CJK character, or a Latin letter
    between two (a CJK character's strokes read as a letter)?"""
    if _CJK.match(text[i]):
        return True
    return bool(
        _LATIN.match(text[i])
        and 0 < i < len(text) - 1
        and _CJK.match(text[i - 1])
        and _CJK.match(text[i + 1])
    )
