"""The report's three plots, drawn by Vega-Altair: execution rates, self score against
execution rate, findings by rule (by the rules' Chinese names); the Vega, Vega-Lite and
vega-embed JavaScript inlined from the `vl-convert-python` package."""

from __future__ import annotations

from collections import Counter

from pipeline.checks.catalogue import RULES
from pipeline.names import SEVERITY_NAMES
from pipeline.publish.report.text import clean_number

SVG_MARKS = 2000  # a chart of more points than this is drawn on a canvas


def charts(dept: list[dict], projects: list[dict], findings: list[dict]) -> list[dict]:
    """Vega-Lite specs (as dicts) of the three plots."""
    import altair as alt

    forms = [
        {
            "表": kind,
            "名称": r.get("project") or r.get("unit") or r["source_path"],
            "执行率": clean_number(r["execution_rate"]),
            "总分": clean_number(r["total_score"]),
        }
        for kind, rows in (("部门整体", dept), ("项目", projects))
        for r in rows
    ]
    rates = [f for f in forms if f["执行率"] is not None]
    scored = [f for f in rates if f["总分"] is not None]
    by_rule = Counter(
        (RULES[f["rule"]].name if f["rule"] in RULES else f["rule"],
         SEVERITY_NAMES.get(f["severity"], f["severity"]))
        for f in findings
    )  # fmt: skip
    rules = [{"规则": rule, "级别": sev, "数量": n} for (rule, sev), n in sorted(by_rule.items())]
    colour = alt.Color("表:N", title="表")
    hist = (
        alt.Chart(alt.Data(values=rates), title="执行率分布")
        .mark_bar()
        .encode(
            alt.X("执行率:Q", bin=alt.Bin(step=5), title="执行率(%)"),
            alt.Y("count():Q", title="表数"),
            colour,
        )
        .properties(width=420, height=240)
    )
    scatter = (
        alt.Chart(alt.Data(values=scored), title="自评总分与执行率")
        .mark_circle(size=60, opacity=0.7)
        .encode(
            alt.X("执行率:Q", title="执行率(%)", scale=alt.Scale(zero=False)),
            alt.Y("总分:Q", title="自评总分", scale=alt.Scale(zero=False)),
            colour,
            tooltip=["名称:N", "执行率:Q", "总分:Q"],
        )
        .properties(width=420, height=240)
    )
    bars = (
        alt.Chart(alt.Data(values=rules), title="各规则问题数")
        .mark_bar()
        .encode(
            alt.Y("规则:N", sort="-x", title=None),
            alt.X("数量:Q", title="问题数"),
            alt.Color(
                "级别:N",
                scale=alt.Scale(domain=["错误", "提示"], range=["#d62728", "#ff9f0e"]),
            ),
            tooltip=["规则:N", "级别:N", "数量:Q"],
        )
        .properties(width=420, height=max(60, 22 * len({r["规则"] for r in rules})))
    )
    return [
        # SVG draws a node per mark: a province's tens of thousands of forms go on a canvas
        {
            "id": "chart-rates",
            "spec": hist.to_dict(),
            "empty": not rates,
            "renderer": "canvas" if len(rates) > SVG_MARKS else "svg",
        },
        {
            "id": "chart-scores",
            "spec": scatter.to_dict(),
            "empty": not scored,
            "renderer": "canvas" if len(scored) > SVG_MARKS else "svg",
        },
        {"id": "chart-rules", "spec": bars.to_dict(), "empty": not rules, "renderer": "svg"},
    ]


def vega_script() -> str:
    """vega, vega-lite and vega-embed as one script, from the installed vl-convert-python."""
    import altair as alt
    import vl_convert

    return vl_convert.javascript_bundle(vl_version="_".join(alt.SCHEMA_VERSION.split(".")[:2]))
