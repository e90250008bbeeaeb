"""The insights page in a real Chromium (Debian's, driven by Playwright), served
over real HTTP by werkzeug from the test's app so the hand-counted timeline of
tests/test_insights.py and its fake clock are what the page shows.

The screenshot goes to tests/artifacts/insights.png (gitignored); docs/insights.png,
the README's, is a copy of one."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from bridge.insights import FIGURES
from tests.conftest import ADMIN_PASSWORD
from tests.test_inbox_browser import CHROMIUM, CHROMIUM_ARGS
from tests.test_insights import config, store, timeline  # noqa: F401 - fixtures

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
def served(app, timeline):  # noqa: F811 - the fixture imported above
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_the_charts_render_with_their_tables_and_nothing_is_blocked(served, tmp_path):
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM,
                                                       headless=True, args=CHROMIUM_ARGS,
                                                       viewport={"width": 1100, "height": 900})
        page = context.new_page()
        console = []
        page.on("console", lambda m: console.append(m.text))
        page.on("pageerror", lambda e: console.append(str(e)))
        page.goto(f"{served}/login?next=/insights")
        page.fill('input[name="username"]', "admin")
        page.fill('input[name="password"]', ADMIN_PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url(f"{served}/insights")
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
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "insights.png"), full_page=False)
        page.select_option('select[name="site"]', "shop")
        page.click('form.filters button[type="submit"]')
        page.wait_for_url("**site=shop*")
        assert page.locator("section#spam_rate tbody tr").all_inner_texts() == ["shop\t1\t0\t0.0"]
        context.close()
    assert not [m for m in console if "Content Security Policy" in m or "Refused" in m], console
