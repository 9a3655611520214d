"""Line and bar charts drawn as inline SVG on the server: a title, axes with ticks, and a text alternative
(a one-sentence summary for screen readers and the data as a table), with no JavaScript."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Okabe–Ito: told apart by people with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
MAX_X_LABELS = 8


@dataclass(frozen=True, slots=True)
class Frame:
    """The plotting area inside the SVG and the value range it shows."""

    width: int = 640
    height: int = 260
    left: int = 64
    right: int = 16
    top: int = 16
    bottom: int = 40

    @property
    def inner_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def inner_height(self) -> float:
        return self.height - self.top - self.bottom


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high], about `count` of them, always including zero when low ≥ 0."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 1e-9 * max(1.0, abs(low), abs(high)):  # no span worth a scale (a step could underflow)
        high = low + 1
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    if start > low:  # low / step rounded up to the next multiple (a tiny negative low underflows to −0)
        start -= step
    ticks = [start]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(ticks[-1] + step)
    return ticks


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    y_label: str = "",
    chart_id: str | None = None,
    frame: Frame | None = None,
) -> Markup:
    """One line per series over shared x labels (dates, say)."""
    frame = frame or Frame()
    values = [v for vs in series.values() for v in vs]
    ticks = nice_ticks(min(values, default=0.0), max(values, default=0.0))
    parts = _axes(frame, labels, ticks, y_label, step=_x_step(len(labels)), centred=False)
    for i, (name, vs) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        xy = [(_x(frame, j, len(labels), centred=False), _y(frame, v, ticks)) for j, v in enumerate(vs)]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.extend(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
            f"<title>{escape(name)}, {escape(labels[j])}: {_fmt(vs[j])}</title></circle>"
            for j, (x, y) in enumerate(xy)
        )
    summary = "; ".join(_describe(name, labels, vs) for name, vs in series.items())
    legend = _legend(list(series)) if len(series) > 1 else ""
    return _figure(title, f"Line chart. {summary}", frame, parts, legend, _table(labels, series), chart_id)


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    y_label: str = "",
    name: str = "value",
    chart_id: str | None = None,
    frame: Frame | None = None,
) -> Markup:
    """One bar per label."""
    frame = frame or Frame()
    ticks = nice_ticks(min(values, default=0.0), max(values, default=0.0))
    parts = _axes(frame, labels, ticks, y_label, step=_x_step(len(labels)), centred=True)
    slot = frame.inner_width / max(len(labels), 1)
    zero = _y(frame, 0.0, ticks)
    for j, v in enumerate(values):
        x, y = _x(frame, j, len(labels), centred=True) - slot * 0.35, _y(frame, v, ticks)
        parts.append(
            f'<rect x="{x:.1f}" y="{min(y, zero):.1f}" width="{slot * 0.7:.1f}" '
            f'height="{abs(zero - y):.1f}" fill="{PALETTE[0]}">'
            f"<title>{escape(labels[j])}: {_fmt(v)}</title></rect>"
        )
    summary = _describe(name, labels, values)
    return _figure(title, f"Bar chart. {summary}", frame, parts, "", _table(labels, {name: values}), chart_id)


def _axes(
    frame: Frame, labels: Sequence[str], ticks: list[float], y_label: str, *, step: int, centred: bool
) -> list[str]:
    base = frame.top + frame.inner_height
    parts = [
        f'<line class="axis" x1="{frame.left}" y1="{frame.top}" x2="{frame.left}" y2="{base}" '
        'stroke="#444"/>',
        f'<line class="axis" x1="{frame.left}" y1="{base}" x2="{frame.width - frame.right}" y2="{base}" '
        'stroke="#444"/>',
    ]
    for tick in ticks:
        y = _y(frame, tick, ticks)
        parts.append(
            f'<line x1="{frame.left}" y1="{y:.1f}" x2="{frame.width - frame.right}" y2="{y:.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{frame.left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{_fmt(tick)}</text>'
        )
    for j in range(0, len(labels), step):
        x = _x(frame, j, len(labels), centred=centred)
        # a line chart's last point sits on the right edge: a label centred there would be cut off
        anchor = "end" if not centred and j == len(labels) - 1 and j > 0 else "middle"
        parts.append(
            f'<text x="{x:.1f}" y="{base + 16}" text-anchor="{anchor}" font-size="11">'
            f"{escape(labels[j])}</text>"
        )
    if y_label:
        mid = frame.top + frame.inner_height / 2
        parts.append(
            f'<text x="14" y="{mid:.1f}" transform="rotate(-90 14 {mid:.1f})" text-anchor="middle" '
            f'font-size="11">{escape(y_label)}</text>'
        )
    return parts


def _x_step(n: int) -> int:
    return max(1, math.ceil(n / MAX_X_LABELS))


def _x(frame: Frame, j: int, n: int, *, centred: bool) -> float:
    if centred:
        return frame.left + frame.inner_width * (j + 0.5) / max(n, 1)
    return frame.left + (frame.inner_width * j / (n - 1) if n > 1 else frame.inner_width / 2)


def _y(frame: Frame, value: float, ticks: list[float]) -> float:
    low, high = ticks[0], ticks[-1]
    return frame.top + frame.inner_height * (1 - (value - low) / (high - low))


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.2f}"


def _describe(name: str, labels: Sequence[str], values: Sequence[float]) -> str:
    if not values:
        return f"{name}: no data"
    low = min(range(len(values)), key=values.__getitem__)
    high = max(range(len(values)), key=values.__getitem__)
    return (
        f"{name} over {len(values)} points from {labels[0]} to {labels[-1]}: lowest {_fmt(values[low])} "
        f"({labels[low]}), highest {_fmt(values[high])} ({labels[high]}), last {_fmt(values[-1])}"
    )


def _legend(names: list[str]) -> str:
    items = "".join(
        f'<li><span class="swatch" style="background:{PALETTE[i % len(PALETTE)]}"></span>{escape(n)}</li>'
        for i, n in enumerate(names)
    )
    return f'<ul class="legend">{items}</ul>'


def _table(labels: Sequence[str], series: Mapping[str, Sequence[float]]) -> str:
    head = "".join(f'<th scope="col">{escape(n)}</th>' for n in series)
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        + "".join(f"<td>{_fmt(vs[j])}</td>" for vs in series.values())
        + "</tr>"
        for j, label in enumerate(labels)
    )
    return (
        f'<details><summary>Data</summary><table><tr><th scope="col"></th>{head}</tr>{rows}</table></details>'
    )


def _figure(
    title: str, desc: str, frame: Frame, parts: list[str], legend: str, table: str, chart_id: str | None
) -> Markup:
    ident = chart_id or "chart-" + (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "untitled")
    svg = (
        f'<svg role="img" aria-labelledby="{ident}-title {ident}-desc" viewBox="0 0 {frame.width} '
        f'{frame.height}" width="{frame.width}" height="{frame.height}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
        + "".join(parts)
        + "</svg>"
    )
    caption = f"<figcaption>{escape(title)}</figcaption>"
    return Markup(f'<figure class="chart" id="{ident}">{caption}{svg}{legend}{table}</figure>')
