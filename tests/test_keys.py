"""The project name a seal cut short, confirmed or completed by the form's title (keys.py)."""

from __future__ import annotations

import pytest

from pipeline.forms.keys import name_after_unit, name_in_title

TITLES = ("项目支出绩效自评表", "项目绩效自评表")
SURE, SEALED = 0.99, 0.7


def _scores(text: str, sealed: str = "") -> list[float]:
    """Each character of `text` sure, but those of the stretch `sealed` (a seal over it)."""
    out = [SURE] * len(text)
    if sealed:
        at = text.index(sealed)
        out[at : at + len(sealed)] = [SEALED] * len(sealed)
    return out


def _own(name: str, sealed_tail: int = 0) -> list[float]:
    return [SURE] * (len(name) - sealed_tail) + [SEALED] * sealed_tail


# titles and names are made up here, none of a fixture or measurement set
@pytest.mark.parametrize(
    ("name", "own", "title", "sealed", "expected"),
    [
        pytest.param(
            "乡镇污水管网维修养",
            _own("乡镇污水管网维修养", 2),
            "青禾县水务局乡镇污水管网维修养护资金项目支出绩效自评表",
            "水务局",
            "乡镇污水管网维修养护资金",
            id="tail-the-seal-took-completed",
        ),
        pytest.param(
            "社区养老服务补贴",
            _own("社区养老服务补贴", 1),
            "白沙区民政局社区养老服务补贴2024年度项目绩效自评表",
            "",
            "社区养老服务补贴",
            id="name-confirmed-year-aside",
        ),
        pytest.param(
            "森林防火巡护",
            _own("森林防火巡护", 1),
            "林业局森林防火巡护经费項目支出績效自評表",
            "",
            "森林防火巡护经费",
            id="traditional-title",
        ),
    ],
)
def test_title_completes_or_confirms(name, own, title, sealed, expected):
    found = name_in_title(name, own, title, _scores(title, sealed), TITLES)
    assert found is not None and found[0] == expected and found[1] >= 0.84


@pytest.mark.parametrize(
    ("name", "own", "title", "sealed"),
    [
        # the title's tail lies under the seal too: what it says there is not sure
        pytest.param(
            "乡镇污水管网维修养",
            _own("乡镇污水管网维修养", 2),
            "青禾县水务局乡镇污水管网维修养护资金项目支出绩效自评表",
            "护资",
            id="tail-under-seal-in-title",
        ),
        # the cell's first character is under the seal: the name may have lost its start
        pytest.param(
            "污水管网维修养护资金",
            [SEALED, *[SURE] * 9],
            "青禾县乡镇污水管网维修养护资金项目支出绩效自评表",
            "",
            id="start-unsure-in-cell",
        ),
        # a character read differently: not the same name
        pytest.param(
            "乡镇污水管冈维修养护资金",
            _own("乡镇污水管冈维修养护资金", 1),
            "青禾县乡镇污水管网维修养护资金项目支出绩效自评表",
            "",
            id="misread-not-in-title",
        ),
        # a character both readings doubt (under the seal in the cell and in the title)
        pytest.param(
            "乡镇污水管网维修养护资金",
            [*[SURE] * 6, SEALED, *[SURE] * 5],
            "青禾县乡镇污水管网维修养护资金项目支出绩效自评表",
            "维",
            id="both-readings-unsure",
        ),
        # no form title after it: the title does not say where the name ends
        pytest.param(
            "乡镇污水管网维修",
            _own("乡镇污水管网维修", 1),
            "青禾县乡镇污水管网维修养护资金情况说明",
            "",
            id="no-form-title",
        ),
    ],
)
def test_title_leaves_name_in_doubt(name, own, title, sealed):
    assert name_in_title(name, own, title, _scores(title, sealed), TITLES) is None


@pytest.mark.parametrize(
    ("title", "heads", "expected"),
    [
        pytest.param(
            "青禾县水务局乡镇污水管网维修养护资金项目支出绩效自评表",
            ["青禾县水务局", "青禾县水务局"],
            "乡镇污水管网维修养护资金",
            id="unit-then-name-then-form",
        ),
        pytest.param(
            "2024年青禾县水务局乡镇污水管网维修养护资金2024年度项目绩效自评表",
            ["青禾县水务局"],
            "乡镇污水管网维修养护资金",
            id="years-aside",
        ),
        pytest.param(
            "乡镇污水管网维修养护资金项目支出绩效自评表", ["青禾县水务局"], None, id="no-unit"
        ),
        pytest.param("青禾县水务局项目支出绩效自评表", ["青禾县水务局"], None, id="no-name"),
    ],
)
def test_a_name_lost_whole_is_what_the_title_prints_after_the_unit(title, heads, expected):
    found = name_after_unit(title, _scores(title), heads, TITLES)
    assert (found[0] if found else None) == expected
