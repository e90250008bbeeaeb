"""The insights page in a real Chromium (Debian's, driven by Playwright), served
over real HTTP by werkzeug from the test's app so the hand-counted timeline of
tests/test_insights.py and its fake clock are what the page shows.

The screenshot goes to tests/artifacts/insights.png (gitignored); docs/insights.png,
the README's, is a copy of one."""
from __future__ import annotations

import pytest

from bridge.insights import FIGURES
from tests.chromium import ARTIFACTS, login
from tests.curation_helpers import CURATION
from tests.serve_helpers import threaded_app

pytestmark = pytest.mark.bridge_config(*CURATION)


@pytest.fixture
def served(app, timeline):
    with threaded_app(app) as base:
        yield base


def test_the_charts_render_with_their_tables_and_nothing_is_blocked(served, new_page):
    page = new_page(viewport={"width": 1100, "height": 900})
    console = []
    page.on("console", lambda m: console.append(m.text))
    page.on("pageerror", lambda e: console.append(str(e)))
    login(page, served, next="/insights")
    page.fill('input[name="from"]', "2027-01-10")
    page.fill('input[name="to"]', "2027-01-15")
    page.click('form.filters button[type="submit"]')
    page.wait_for_url("**/insights?from=2027-01-10&to=2027-01-15*")
    for name in FIGURES:
        section = page.locator(f"section#{name}")
        svg = section.locator("svg.chart")
        box = svg.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, name
        assert svg.locator("rect.bar, polyline.line").count() > 0, name
        assert section.get_by_role("table").locator("tbody tr").count() >= 1, name
    # drawn, not just present: the backlog line of corp has one point per day, and a bar has height
    points = page.locator("section#pending_backlog polyline.line").first.get_attribute("points").split()
    assert len(points) == 6
    assert float(page.locator("section#top_posts rect.bar").first.get_attribute("height")) > 0
    shop_row = page.locator("section#top_posts tbody tr").first.locator("td").all_inner_texts()
    assert shop_row == ["shop", "7", "Shop news", "https://shop.example.org/news", "3"]
    # the table is announced with the figure's heading
    assert page.get_by_role("table", name="Comments per site per day").count() == 1
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "insights.png"), full_page=False)
    page.select_option('select[name="site"]', "shop")
    page.click('form.filters button[type="submit"]')
    page.wait_for_url("**site=shop*")
    assert page.locator("section#spam_rate tbody tr").all_inner_texts() == ["shop\t1\t0\t0.0"]
    assert not [m for m in console if "Content Security Policy" in m or "Refused" in m], console
