"""Property tests of normalization and number parsing, and a bounded fuzz test of ingest."""

from __future__ import annotations

import random
import shutil

import pandas as pd
from conftest import SEASON
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.definitions import load_catalog
from pipeline.forms.normalize import normalize_label
from pipeline.run.ingest import ingest

VOCABULARY = load_catalog().vocabulary
PARSER = VOCABULARY.parser
UNITS = ["万元", "元", "%", "人", "㎡", "分", "次", "个", "小时", "家", "天"]
SYMBOLS = ["≥", "≤", ">", "<", "="]
WORDS = {"达到": "≥", "不低于": "≥", "不少于": "≥", "不超过": "≤", "不高于": "≤"}
SPACE = st.sampled_from(["", " ", "　", "\t", "\u3000\u3000"])

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(amount=amounts, unit=st.sampled_from(UNITS), pad=SPACE, grouped=st.booleans())
def test_a_number_with_a_unit_reads_back(amount, unit, pad, grouped):
    text = f"{amount:,.2f}" if grouped else f"{amount:.2f}"
    parsed = PARSER.parse(f"{pad}{text}{unit}{pad}", None)
    assert parsed.value_num == float(amount)
    assert parsed.value_unit == unit
    assert parsed.value_text == f"{text}{unit}"


@given(amount=amounts, symbol=st.sampled_from(SYMBOLS + list(WORDS)), unit=st.sampled_from(UNITS))
def test_a_comparator_is_read_as_its_symbol(amount, symbol, unit):
    parsed = PARSER.parse(f"{symbol}{amount}{unit}", None)
    assert parsed.value_num == float(amount)
    assert parsed.comparator == WORDS.get(symbol, symbol)


@given(amount=amounts, default=st.sampled_from(["万元", "分", "%", None]))
def test_a_bare_number_takes_the_default_unit(amount, default):
    parsed = PARSER.parse(str(amount), default)
    assert (parsed.value_num, parsed.value_unit) == (float(amount), default)


@given(digits=st.text(alphabet="0123456789", min_size=1, max_size=9))
def test_full_width_digits_read_as_half_width(digits):
    full = digits.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    parsed = PARSER.parse(full, "分")
    assert parsed.value_text == digits
    assert parsed.value_num == float(digits)


@given(text=st.text(max_size=60))
def test_any_text_parses_without_error_and_trimmed(text):
    parsed = PARSER.parse(text, "万元")
    if parsed.value_text is not None:
        assert parsed.value_text == parsed.value_text.strip()
        assert parsed.value_text
    else:
        assert parsed.value_num is None and parsed.value_unit is None
    if parsed.value_num is None:
        assert parsed.comparator is None


@given(text=st.text(max_size=40))
def test_labels_lose_all_white_space_and_leading_qizhong(text):
    label = normalize_label(text).text
    assert not any(ch.isspace() for ch in label)
    assert not label.startswith(("其中：", "其中:"))
    assert not label.endswith(("：", ":"))


@given(
    label=st.sampled_from(["公车购置", "市级专项资金", "当年财政拨款", "项目支出名称"]),
    number=st.sampled_from(["1、", "2.", "（3）", "(4)", "一、", "其中：", "   "]),
    note=st.sampled_from(["", "（万元）", "(一个专项一行)"]),
    breaks=st.booleans(),
)
def test_decorated_labels_come_back_canonical(label, number, note, breaks):
    written = number + ("\n".join(label) if breaks else label) + note + "：　"
    assert normalize_label(written).text == label


@settings(deadline=None, max_examples=1)
@given(seed=st.just(20261127))
def test_mutated_files_end_ok_or_failed_never_crash_the_run(tmp_path_factory, seed):
    """Bounded fuzz: flipped, cut and spliced bytes of real submissions. Each mutant ends as a
    documents row (ok, no_forms or failed with a message); the run itself always finishes."""
    rng = random.Random(seed)
    folder = tmp_path_factory.mktemp("fuzz-in")
    sources = [SEASON / "jiangcheng-wenlv-2023.docx", SEASON / "jiangcheng-wenlv-2023.pdf"]
    for i in range(24):
        source = sources[i % 2]
        data = bytearray(source.read_bytes())
        kind = i // 2 % 4
        if kind == 0:  # flip bytes
            for _ in range(rng.randint(1, 50)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 1:  # cut short
            data = data[: rng.randrange(1, len(data))]
        elif kind == 2:  # splice a run of junk in
            at = rng.randrange(len(data))
            data[at:at] = rng.randbytes(rng.randint(1, 4096))
        else:  # zero a block
            at = rng.randrange(len(data))
            data[at : at + 2048] = bytes(len(data[at : at + 2048]))
        (folder / f"mutant-{i:02d}{source.suffix}").write_bytes(bytes(data))
    shutil.copy(sources[0], folder / "zz-original.docx")
    out = tmp_path_factory.mktemp("fuzz-out")
    summary = ingest(folder, out, workers=2)
    documents = pd.read_parquet(out / "documents.parquet")
    assert len(documents) == summary.files == 25
    assert set(documents.status) <= {"ok", "no_forms", "failed"}
    failed = documents[documents.status == "failed"]
    assert failed.error.str.len().gt(0).all() and failed.error_code.notna().all()
    assert "internal_error" not in set(failed.error_code)  # each damage is named, not a bug
    assert documents.set_index("source_path").loc["zz-original.docx"].status == "ok"
