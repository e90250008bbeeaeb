"""``/insights``: every figure as an SVG chart with its table, and a CSV download
per figure. The numbers come from :mod:`bridge.insights` (which enforces the
user's sites); this module only lays them out."""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from flask import Blueprint, Response, abort, g, render_template, request
from flask_babel import gettext as _

from ..insights import FIGURES, PRESET_DAYS, InsightsError, parse_range
from . import charts
from .access import bridge
from .problems import problem

bp = Blueprint("insights", __name__, url_prefix="/insights")


def load(args: Mapping[str, str]) -> dict:
    """The figures a request asks for (range and site from the query string);
    raises InsightsError for a bad range or a site the user may not see."""
    service = bridge().insights
    rng = parse_range(args, service.today())
    return service.figures(g.user, rng, (args.get("site") or "").strip() or None)


def insights_problem(exc: InsightsError) -> Response:
    return problem(exc.status, exc.title, exc.detail, field=exc.field, value=exc.value)


def _hours(seconds: float | None):
    return None if seconds is None else round(seconds / 3600, 2)


def chart_for(name: str, rows: list[dict], days: list[str]):
    """The SVG of one figure (None when there is nothing to draw)."""
    title = FIGURES[name][0]
    if not rows:
        return None
    if name in ("comments_per_day", "pending_backlog"):
        value = "comments" if name == "comments_per_day" else "pending"
        series: dict[str, list[float]] = {}
        position = {day: i for i, day in enumerate(days)}  # days.index per row: 50 sites × a year is 3M steps
        for row in rows:
            series.setdefault(row["site"], [0] * len(days))[position[row["day"]]] = row[value]
        return charts.line_chart(title, days, series)
    if name == "items_per_week":
        weeks = sorted({r["week"] for r in rows})
        series = {}
        for row in rows:
            series.setdefault(row["source"], [0] * len(weeks))[weeks.index(row["week"])] = row["items"]
        return charts.bar_chart(title, weeks, series)
    #: name → (category column, {series label: (column, transform)})
    layouts: dict[str, tuple[str, dict[str, tuple[str, str | None]]]] = {
        "items_per_contributor": ("contributor", {"items": ("items", None)}),
        "item_decisions": ("source", {"approval rate %": ("approval_rate", "pct")}),
        "item_decision_time": ("decisions", {"p50 hours": ("p50_s", "h"), "p95 hours": ("p95_s", "h")}),
        "comment_decision_time": ("site", {"p50 hours": ("p50_s", "h"), "p95 hours": ("p95_s", "h")}),
        "decisions_per_editor": ("editor", {"decisions": ("decisions", None)}),
        "spam_rate": ("site", {"spam %": ("spam_rate", "pct")}),
        "where_decided": ("site", {"in the CMS": ("in_cms", None), "in cms-bridge": ("in_cms_bridge", None)}),
        "publishing": ("site", {"published": ("published", None), "retries": ("retries", None),
                                "failures": ("failures", None)}),
        "top_posts": ("title", {"comments": ("comments", None)}),
    }
    category, columns = layouts[name]
    transforms = {None: lambda v: v, "h": _hours, "pct": lambda v: None if v is None else round(v * 100, 2)}
    series = {label: [transforms[t](r[col]) for r in rows] for label, (col, t) in columns.items()}
    return charts.bar_chart(title, [str(r[category] or r.get("post_id", "")) for r in rows], series)


@bp.get("")
def index():
    store = bridge().store
    try:
        data = load(request.args)
    except InsightsError as exc:
        return render_template("insights/index.html", error=exc, data=None, sites=store.list_sites(),
                               presets=PRESET_DAYS, args=request.args), exc.status
    days = _days(data)
    figures = [{"name": name, "title": FIGURES[name][0], "columns": FIGURES[name][1], "rows": data["figures"][name],
                "chart": chart_for(name, data["figures"][name], days)} for name in FIGURES]
    query = {"from": data["range"]["from"], "to": data["range"]["to"]}
    if request.args.get("site"):
        query["site"] = request.args["site"]
    visible = set(data["sites"])
    return render_template("insights/index.html", error=None, data=data, figures=figures, query=query,
                           sites=[s for s in store.list_sites() if s["id"] in visible], presets=PRESET_DAYS,
                           args=request.args)


def _days(data: dict) -> list[str]:
    rows = data["figures"]["pending_backlog"]
    return list(dict.fromkeys(r["day"] for r in rows)) or [data["range"]["from"]]


@bp.get("/<name>.csv")
def figure_csv(name: str):
    if name not in FIGURES:
        abort(404, description=_("there is no figure %(name)r; figures: %(names)s", name=name,
                                 names=", ".join(FIGURES)))
    try:
        data = load(request.args)
    except InsightsError as exc:
        return insights_problem(exc)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = FIGURES[name][1]
    writer.writerow(columns)
    for row in data["figures"][name]:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    filename = f"{name}_{data['range']['from']}_{data['range']['to']}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
