"""Charts drawn on the server as SVG: pure functions, numbers in, markup out.

No queries, no request, no settings: the caller passes translated titles and labels and the
functions that format axis labels, so one function draws a mission's readiness trend and a
benchmark's score history, and the tests check it without a database. Every chart is an
``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``; the page puts
the same numbers in a text table next to it.

Charts are drawn in a fixed coordinate system (``viewBox``) and scale with their container
(CSS gives them ``inline-size: 100%``), so a phone gets the whole chart, smaller.
"""

import datetime
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Reference:
    """A horizontal line across a chart (a gate's threshold, a benchmark's target)."""

    value: float
    label: str
    kind: str = "threshold"  # a CSS class suffix: threshold, target, baseline


def _fmt(number: float) -> str:
    """Coordinates with two decimals at most: enough for a chart, short in the markup."""
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _svg_open(*, uid: str, width: int, height: int, title: str, desc: str, css_class: str) -> str:
    uid = escape(uid)
    return (
        f'<svg class="{css_class}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" focusable="false" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(desc)}</desc>'
    )


def sparkline(
    values: Sequence[float],
    *,
    uid: str,
    title: str,
    desc: str,
    low: float = 0,
    high: float = 100,
    width: int = 100,
    height: int = 28,
) -> SafeString:
    """A small trend line of ``values`` (oldest first) between ``low`` and ``high``.

    No axes: it shows a direction at a glance; the page says the numbers in words.
    Empty input draws nothing. ``uid`` makes the title's and description's ids unique in
    the page (a list draws one per row).
    """
    if not values:
        return mark_safe("")
    pad = 3
    span = (high - low) or 1

    def y(value: float) -> float:
        clamped = min(max(value, low), high)
        return height - pad - (clamped - low) / span * (height - 2 * pad)

    step = (width - 2 * pad) / (len(values) - 1) if len(values) > 1 else 0
    points = [
        (pad + i * step if len(values) > 1 else width / 2, y(v)) for i, v in enumerate(values)
    ]
    parts = [
        _svg_open(
            uid=uid, width=width, height=height, title=title, desc=desc, css_class="sparkline"
        )
    ]
    if len(points) > 1:
        path = " ".join(f"{_fmt(px)},{_fmt(py)}" for px, py in points)
        parts.append(f'<polyline class="sparkline-line" points="{path}"/>')
    last_x, last_y = points[-1]
    parts.append(
        f'<circle class="sparkline-last" cx="{_fmt(last_x)}" cy="{_fmt(last_y)}" r="2.5"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round values covering [low, high] (steps of 1, 2 or 5 × 10ⁿ)."""
    if math.isclose(low, high):
        low, high = low - 1, high + 1
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    stop = math.ceil(high / step) * step
    ticks = []
    value = start
    while value <= stop + step / 1e6:
        ticks.append(round(value, 10))
        value += step
    return ticks


def line_chart(
    points: Sequence[tuple[datetime.date, float]],
    *,
    uid: str,
    title: str,
    desc: str,
    y_ticks: Sequence[float],
    format_x: Callable[[datetime.date], str],
    format_y: Callable[[float], str],
    references: Sequence[Reference] = (),
    width: int = 440,
    height: int = 240,
) -> SafeString:
    """A time series: dated points joined by a line, y axis from the first to the last tick.

    The x axis is proportional to time (uneven assessment dates keep their spacing) and is
    labelled at the first and last date and, when there is room, two dates between.
    ``references`` draw dashed horizontal lines with a label (a gate's threshold).
    """
    points = sorted(points)
    left, right, top, bottom = 44, 12, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    y_low, y_high = min(y_ticks), max(y_ticks)
    y_span = (y_high - y_low) or 1

    def y(value: float) -> float:
        clamped = min(max(value, y_low), y_high)
        return top + plot_h - (clamped - y_low) / y_span * plot_h

    if points:
        first, last = points[0][0].toordinal(), points[-1][0].toordinal()
    else:
        first = last = 0
    x_span = last - first

    def x(day: datetime.date) -> float:
        if not x_span:
            return left + plot_w / 2
        return left + (day.toordinal() - first) / x_span * plot_w

    parts = [
        _svg_open(uid=uid, width=width, height=height, title=title, desc=desc, css_class="chart")
    ]
    parts.append('<g class="chart-grid" aria-hidden="true">')
    for tick in y_ticks:
        ty = _fmt(y(tick))
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{ty}" y2="{ty}"/>')
        parts.append(
            f'<text class="chart-label" x="{left - 6}" y="{ty}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(format_y(tick))}</text>'
        )
    parts.append("</g>")

    if points:
        ticks_x = [points[0][0]]
        if x_span:
            if len(points) > 3:
                ticks_x += [
                    datetime.date.fromordinal(first + round(x_span * share))
                    for share in (1 / 3, 2 / 3)
                ]
            ticks_x.append(points[-1][0])
        parts.append('<g class="chart-axis" aria-hidden="true">')
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
        )
        for index, day in enumerate(ticks_x):
            anchor = "start" if index == 0 and x_span else "middle"
            if index == len(ticks_x) - 1 and x_span:
                anchor = "end"
            parts.append(
                f'<text class="chart-label" x="{_fmt(x(day))}" y="{height - 8}" '
                f'text-anchor="{anchor}">{escape(format_x(day))}</text>'
            )
        parts.append("</g>")

    for reference in references:
        ry = _fmt(y(reference.value))
        parts.append(
            f'<g class="chart-reference chart-{escape(reference.kind)}">'
            f'<line x1="{left}" x2="{left + plot_w}" y1="{ry}" y2="{ry}"/>'
            f'<text class="chart-label" x="{left + plot_w - 2}" y="{_fmt(y(reference.value) - 4)}" '
            f'text-anchor="end">{escape(reference.label)}</text></g>'
        )

    if len(points) > 1:
        path = " ".join(f"{_fmt(x(day))},{_fmt(y(value))}" for day, value in points)
        parts.append(f'<polyline class="chart-line" points="{path}"/>')
    for day, value in points:
        parts.append(
            f'<circle class="chart-point" cx="{_fmt(x(day))}" cy="{_fmt(y(value))}" r="3">'
            f"<title>{escape(format_x(day))}: {escape(format_y(value))}</title></circle>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


@dataclass(frozen=True)
class Bar:
    """One bar of a bar chart: its label, and its value or None when withheld."""

    label: str
    value: float | None


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(
    bars: Sequence[Bar],
    *,
    uid: str,
    title: str,
    desc: str,
    format_value: Callable[[float], str],
    withheld_label: str,
    high: float | None = None,
    width: int = 440,
) -> SafeString:
    """Horizontal bars, one per answer, each labelled above its bar, value at its end.

    Bars run from 0 to ``high`` (the largest value when not given). A withheld value (a
    group too small to show) draws an empty dashed outline with ``withheld_label`` inside
    it instead of a number, so the chart never hints at its size. Long labels are shortened
    here; the table next to the chart has them whole.
    """
    row, pad, value_w = 40, 6, 96
    height = pad * 2 + row * max(len(bars), 1)
    bar_w = width - value_w - pad * 2
    known = [b.value for b in bars if b.value is not None]
    top = high if high else max(known, default=0) or 1
    parts = [
        _svg_open(
            uid=uid, width=width, height=height, title=title, desc=desc, css_class="chart bar-chart"
        )
    ]
    for index, bar in enumerate(bars):
        y0 = pad + index * row
        parts.append(
            f'<text class="chart-label bar-chart-label" x="{pad}" y="{y0 + 12}">'
            f"{escape(_short(bar.label))}</text>"
        )
        bar_y = y0 + 17
        if bar.value is None:
            parts.append(
                f'<rect class="bar-chart-withheld" x="{pad}" y="{bar_y}" width="{_fmt(bar_w)}" '
                f'height="16"/><text class="chart-label" x="{pad + 6}" y="{bar_y + 12}">'
                f"{escape(withheld_label)}</text>"
            )
            continue
        length = max(min(bar.value, top), 0) / top * bar_w
        parts.append(
            f'<rect class="bar-chart-track" x="{pad}" y="{bar_y}" width="{_fmt(bar_w)}" '
            f'height="16"/><rect class="bar-chart-bar" x="{pad}" y="{bar_y}" '
            f'width="{_fmt(length)}" height="16"/>'
            f'<text class="chart-label bar-chart-value" x="{pad + bar_w + 6}" y="{bar_y + 12}">'
            f"{escape(format_value(bar.value))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
