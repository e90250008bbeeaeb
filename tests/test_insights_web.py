"""``/insights``, its CSV downloads and ``GET /api/v1/insights`` over the
hand-counted timeline of tests/test_insights.py, through the real login."""
from __future__ import annotations

import csv
import io

import pytest
from markupsafe import escape

from bridge.insights import FIGURES
from bridge.security import hash_password
from tests.conftest import EDITOR_PASSWORD
from tests.curation_helpers import CURATION

pytestmark = pytest.mark.bridge_config(*CURATION)

RANGE = {"from": "2027-01-10", "to": "2027-01-15"}


@pytest.fixture
def admin(auth, timeline):
    auth.login()
    return auth.client


@pytest.fixture
def editor(bridge, auth, timeline):
    bridge.store.create_user("bob", hash_password(EDITOR_PASSWORD), "editor", ["shop"])
    auth.login("bob", EDITOR_PASSWORD)
    return auth.client


def test_every_figures_csv_equals_the_json(admin):
    body = admin.get("/api/v1/insights", query_string=RANGE).get_json()
    assert body["range"] == {"from": "2027-01-10", "to": "2027-01-15", "days": 6}
    assert body["figures"]["spam_rate"][0] == {"site": "corp", "decisions": 3, "spam": 1, "spam_rate": 0.3333}
    for name, (_title, columns) in FIGURES.items():
        response = admin.get(f"/insights/{name}.csv", query_string=RANGE)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert f'filename="{name}_2027-01-10_2027-01-15.csv"' in response.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert rows[0] == list(columns)
        expected = [["" if r[c] is None else str(r[c]) for c in columns] for r in body["figures"][name]]
        assert rows[1:] == expected, name
    assert sum(len(v) for v in body["figures"].values()) > 30   # the comparison covered real rows


def test_the_page_draws_every_figure_with_its_table(admin):
    html = admin.get("/insights", query_string=RANGE).get_data(as_text=True)
    for name, (title, _columns) in FIGURES.items():
        section = html.split(f'<section class="figure" id="{name}"', 1)[1].split("</section>", 1)[0]
        assert str(escape(title)) in section and "<table" in section and f"/insights/{name}.csv?" in section
    assert html.count("<svg") == len(FIGURES)          # every figure has something to draw in this range
    assert '<td>Shop news</td>' in html and '<a href="https://shop.example.org/news">' in html
    assert 'href="/insights"' in admin.get("/").get_data(as_text=True)  # in the navigation


def test_the_page_shows_an_editor_only_their_sites(editor):
    html = editor.get("/insights", query_string=RANGE).get_data(as_text=True)
    assert "sites: shop" in html and '<option value="corp"' not in html
    body = editor.get("/api/v1/insights", query_string=RANGE).get_json()
    assert body["sites"] == ["shop"]
    refused = editor.get("/api/v1/insights", query_string={**RANGE, "site": "corp"})
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["field"] == "site" and "bob may not see site 'corp'" in refused.get_json()["detail"]
    assert editor.get("/insights/top_posts.csv", query_string={**RANGE, "site": "corp"}).status_code == 403


@pytest.mark.parametrize("args, status, field, words", [
    ({"from": "2027-02-30"}, 400, "from", "YYYY-MM-DD"),
    ({"from": "2027-01-10", "to": "soon"}, 400, "to", "'soon'"),
    ({"from": "2027-01-15", "to": "2027-01-10"}, 422, "from", "swap them"),
    ({"days": "365"}, 400, "days", "7, 30, 90"),
    ({"site": "nowhere"}, 422, "site", "corp, shop"),
])
def test_bad_input_is_a_problem_naming_field_value_and_fix(admin, args, status, field, words):
    for url in ("/api/v1/insights", "/insights/spam_rate.csv"):
        response = admin.get(url, query_string=args)
        assert response.status_code == status and response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert problem["field"] == field and words in problem["detail"]
        assert str(problem["value"]) in problem["detail"]
    page = admin.get("/insights", query_string=args)
    assert page.status_code == status and words in page.get_data(as_text=True).replace("&#39;", "'")


def test_an_unknown_figure_is_a_404(admin):
    assert admin.get("/insights/nope.csv").status_code == 404


def test_the_default_range_is_the_last_30_days_of_the_bridge_clock(admin):
    body = admin.get("/api/v1/insights").get_json()
    assert body["range"] == {"from": "2026-12-17", "to": "2027-01-15", "days": 30}
    assert admin.get("/api/v1/insights?days=7").get_json()["range"]["from"] == "2027-01-09"
