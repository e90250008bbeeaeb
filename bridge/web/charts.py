"""Small server-rendered SVG charts: grouped bars and lines.

Hand-written rather than a vendored library: the page needs two shapes, the CSP
allows no inline script or style (so a JS chart library would need a bundle and
``style-src`` exceptions), and SVG presentation attributes (``fill``, ``stroke``)
are not styles. Each chart is an ``<svg role="img">`` with a ``<title>``; the
numbers themselves are in the table the page puts next to it, which is what
screen readers and keyboard users read.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 48
#: colour-blind-safe palette (Okabe–Ito)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return float(factor * step)
    return float(value)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _frame(title: str, body: list[str], top: float, series: list[str]) -> Markup:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}"><title>{escape(title)}</title>']
    for i in range(5):
        y = TOP + plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="#444">'
                     f'{_fmt(top * (4 - i) / 4)}</text>')
    parts.extend(body)
    for i, name in enumerate(series):
        x = LEFT + i * 120
        parts.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{x + 14}" y="{HEIGHT - 5}" font-size="10" fill="#222">{escape(name[:18])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and label above went through escape()


def bar_chart(title: str, categories: list[str], series: Mapping[str, Sequence[float | None]]) -> Markup:
    """Grouped bars: one group per category, one bar per series (None draws nothing)."""
    names = list(series)
    values = [v for vs in series.values() for v in vs if v is not None]
    top = _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(categories), 1)
    bar_w = max(group_w * 0.8 / max(len(names), 1), 1)
    body = []
    for c, category in enumerate(categories):
        x0 = LEFT + c * group_w + group_w * 0.1
        for s, name in enumerate(names):
            value = series[name][c]
            if value is None:
                continue
            h = plot_h * value / top
            body.append(f'<rect class="bar" x="{x0 + s * bar_w:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" '
                        f'height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(category)}, '
                        f'{escape(name)}: {_fmt(value)}</title></rect>')
        if len(categories) <= 16 or c % max(len(categories) // 8, 1) == 0:
            body.append(f'<text x="{x0 + group_w * 0.4:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" '
                        f'font-size="10" fill="#444">{escape(str(category)[:14])}</text>')
    return _frame(title, body, top, names if len(names) > 1 else [])


def line_chart(title: str, xs: list[str], series: Mapping[str, Sequence[float]]) -> Markup:
    """One polyline per series over the same x labels (days)."""
    values = [v for vs in series.values() for v in vs]
    top = _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(xs) - 1, 1)
    body = []
    for s, (name, ys) in enumerate(series.items()):
        points = " ".join(f"{LEFT + i * step:.1f},{TOP + plot_h - plot_h * y / top:.1f}" for i, y in enumerate(ys))
        body.append(f'<polyline class="line" points="{points}" fill="none" stroke-width="2" '
                    f'stroke="{PALETTE[s % len(PALETTE)]}"><title>{escape(name)}</title></polyline>')
    every = max(len(xs) // 6, 1)
    for i, x in enumerate(xs):
        if i % every == 0:
            body.append(f'<text x="{LEFT + i * step:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" '
                        f'font-size="10" fill="#444">{escape(x[5:])}</text>')
    return _frame(title, body, top, list(series))
