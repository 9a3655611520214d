"""Server-side SVG charts: well-formed, titled, with axes, a mark per value and a text alternative."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pointflow.entrypoints.console.charts import bar_chart, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def svg_of(figure: ET.Element) -> ET.Element:
    found = figure.find(f"{SVG}svg")
    assert found is not None
    return found


def test_a_bar_chart_has_a_title_a_description_a_bar_per_value_and_the_data_as_a_table() -> None:
    figure = parse(bar_chart("Postings per day", ["1 May", "2 May", "3 May"], [4, 0, 9], name="postings"))
    svg = svg_of(figure)
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None
    assert title.text == "Postings per day"
    assert desc is not None
    assert "highest 9 (3 May)" in str(desc.text)
    assert "lowest 0 (2 May)" in str(desc.text)
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    heights = [float(r.get("height", "nan")) for r in svg.iter(f"{SVG}rect")]
    assert len(heights) == 3
    assert heights[1] == 0
    assert heights[2] > heights[0] > 0
    cells = [td.text for td in figure.iter("td")]
    assert cells == ["4", "0", "9"]


def test_a_line_chart_draws_one_line_per_series_with_a_legend() -> None:
    figure = parse(
        line_chart("Liability", ["Jan", "Feb", "Mar"], {"actual": [10, 20, 15], "forecast": [9, 18, 30]})
    )
    svg = svg_of(figure)
    lines = list(svg.iter(f"{SVG}polyline"))
    assert len(lines) == 2
    assert len(lines[0].get("points", "").split()) == 3
    assert len(list(svg.iter(f"{SVG}circle"))) == 6
    assert ["".join(li.itertext()) for li in figure.iter("li")] == ["actual", "forecast"]


def test_a_line_charts_last_x_label_ends_at_the_edge_rather_than_being_cut_off() -> None:
    svg = svg_of(parse(line_chart("Liability", ["now", "2024-07", "2024-08"], {"held": [3, 2, 1]})))
    anchors = {t.text: t.get("text-anchor") for t in svg.iter(f"{SVG}text")}
    assert (anchors["now"], anchors["2024-07"], anchors["2024-08"]) == ("middle", "middle", "end")


def test_labels_are_escaped() -> None:
    figure = parse(bar_chart("<script>", ["a&b", "<c>"], [1, 2]))
    assert svg_of(figure).find(f"{SVG}title").text == "<script>"  # type: ignore[union-attr]
    assert "<script>" not in bar_chart("<script>", ["x"], [1])


def test_an_empty_chart_still_renders_and_says_so() -> None:
    figure = parse(bar_chart("Nothing", [], [], name="postings"))
    assert "postings: no data" in str(svg_of(figure).find(f"{SVG}desc").text)  # type: ignore[union-attr]


@given(st.floats(-1e9, 1e9), st.floats(-1e9, 1e9))
@example(0.0, 5e-324)  # a range too small to divide: it once raised "math domain error"
@example(5.0, -5e-324)  # a negative too small to divide by the step: the first tick was −0, above it
def test_ticks_cover_the_range_and_zero_in_even_steps(a: float, b: float) -> None:
    low, high = min(a, b), max(a, b)
    ticks = nice_ticks(low, high)
    step = ticks[1] - ticks[0]
    slack = step * 1e-6  # floating-point sums of the step
    assert ticks[0] <= min(low, 0)
    assert ticks[-1] >= max(high, 0) - slack
    assert all(abs((t2 - t1) - step) <= slack for t1, t2 in itertools.pairwise(ticks))
    assert 2 <= len(ticks) <= 12


@pytest.mark.parametrize(
    ("low", "high", "expected"), [(0, 9, [0, 2.5, 5, 7.5, 10]), (0, 100, [0, 25, 50, 75, 100])]
)
def test_ticks_are_round_numbers(low: float, high: float, expected: list[float]) -> None:
    assert nice_ticks(low, high) == expected
