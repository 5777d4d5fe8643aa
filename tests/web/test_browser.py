"""A real browser (Debian's chromium, headless, driven by Playwright) on a real server:
sign in with the printed URL, edit a site, run a cost and a pivot run, see their charts,
run the cost run again from its page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import skip_or_fail
from tests.web.server import Server

CHROMIUM = os.environ.get("HASHPIVOT_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless chromium (never downloaded: the system's binary)."""
    if not Path(CHROMIUM).is_file():
        skip_or_fail(f"no chromium at {CHROMIUM} (Debian package `chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright (Python package) is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield b
        finally:
            b.close()


def _wait_charts(page: Any, count: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('.chart .main-svg').length >= {count}", timeout=90_000
    )


def test_dashboard_edit_site_and_run(browser: Any, tmp_path: Path) -> None:
    server = Server(f"sqlite:///{tmp_path / 'db.sqlite'}").start()
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 800})
        outside: list[str] = []
        page.on(
            "request",
            lambda r: None if r.url.startswith(server.base) else outside.append(r.url),
        )
        page.goto(server.login_url)
        assert page.locator("h1").inner_text() == "Portfolios"
        page.get_by_role("link", name="Reverse-margin miner", exact=False).first.click()

        # edit a site: a bad value is shown next to its field, a good one is saved
        page.locator("a", has_text="edit").first.click()
        page.fill("#f-capacity_mw", "-5")
        page.click("#site-form button[type=submit]")
        error = page.locator(".field.has-error .error")
        assert "greater than 0" in error.first.inner_text()
        page.fill("#f-capacity_mw", "520")
        page.click("#site-form button[type=submit]")
        page.wait_for_url("**/portfolios/1")
        assert "520" in page.locator("table.list").first.inner_text()

        # a cost run: progress, then the cost-vs-price chart
        page.click("#run-form-cost button[type=submit]")
        page.wait_for_url("**/runs/*")
        page.wait_for_function(
            "document.getElementById('run-status').textContent === 'succeeded'",
            timeout=90_000,
        )
        _wait_charts(page, 2)
        assert "Cost per BTC against the BTC price" in page.content()
        # the headline numbers as tables, as the CLI prints them (unit economics first,
        # then the fleet lines, the cost views...)
        sections = page.locator("section.run-table")
        assert sections.first.locator("h2").inner_text().startswith("Unit economics")
        views = sections.filter(has_text="Cost views, per day").locator("table").first
        assert views.locator("td", has_text="direct").first.is_visible()
        assert "reverse" in views.locator("thead").inner_text()
        # run it again from its page: the new run says every value is reproduced
        cost_url = page.url
        page.click("#reproduce-run button[type=submit]")
        page.wait_for_function(f"location.href !== {cost_url!r}", timeout=30_000)
        page.wait_for_function(
            "(document.getElementById('reproduction') || {textContent: ''})"
            ".textContent.includes('reproduced identically')", timeout=90_000)
        assert cost_url.rsplit("/", 1)[1] in page.locator("#reproduction a").inner_text()
        page.goto(server.base + "/portfolios/1")
        _wait_charts(page, 2)

        # a pivot run on the pivot example
        page.goto(server.base + "/")
        page.get_by_role("link", name="200", exact=False).first.click()
        page.click("#run-form-pivot button[type=submit]")
        page.wait_for_url("**/runs/*")
        page.wait_for_function(
            "document.getElementById('run-status').textContent === 'succeeded'",
            timeout=90_000,
        )
        _wait_charts(page, 3)
        text = page.content()
        assert "Pivot comparison" in text and "NPV by strategy" in text
        assert page.get_by_text("Resolved assumptions", exact=False).first.is_visible()
        # under the tornado tables, as the CLI prints it
        assert "break-even lease" in "\n".join(
            page.locator("section.run-table").all_inner_texts())
        page.emulate_media(media="print")
        assert page.locator("form").first.is_hidden()
        assert outside == [], f"requests left the server: {outside}"
    finally:
        server.stop()


def _wait_succeeded(page: Any) -> None:
    page.wait_for_url("**/runs/*")
    page.wait_for_function(
        "document.getElementById('run-status').textContent === 'succeeded'", timeout=300_000
    )


def test_an_optimized_plan_is_saved_as_a_portfolio_and_valued_by_pivot(
    browser: Any, tmp_path: Path
) -> None:
    """Optimize the four-site example, save its plan as a portfolio with the run page's
    button, and value that portfolio's 'phased' strategy (the plan) with pivot."""
    server = Server(f"sqlite:///{tmp_path / 'db.sqlite'}").start()
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 800})
        page.goto(server.login_url)
        page.get_by_role("link", name="Four-site", exact=False).first.click()
        page.fill("#f-optimize-scenarios", "8")
        page.fill("#f-optimize-evpi_scenarios", "2")
        page.click("#run-form-optimize button[type=submit]")
        _wait_succeeded(page)
        run_url = page.url
        page.click("#save-plan button[type=submit]")
        page.wait_for_url("**/portfolios/*")
        assert "(plan of run " in page.locator("h1").inner_text()
        page.click("#run-form-pivot button[type=submit]")
        _wait_succeeded(page)
        assert page.url != run_url
        table = page.locator("section.run-table").first.inner_text()
        assert "phased" in table and "keep_mining" in table
    finally:
        server.stop()


def test_a_dispatch_run_page_shows_its_resolved_assumptions(browser: Any, tmp_path: Path
                                                             ) -> None:
    """The dispatch run page closes, as the other engines' pages, with the resolved
    assumptions and their sources (until 2026-12 it showed the summary and its notes
    only)."""
    server = Server(f"sqlite:///{tmp_path / 'db.sqlite'}").start()
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 800})
        page.goto(server.login_url)
        page.get_by_role("link", name="West Texas hybrid", exact=False).first.click()
        page.click("#run-form-dispatch button[type=submit]")
        _wait_succeeded(page)
        sections = page.locator("section.run-table")
        assert sections.first.locator("h2").inner_text().startswith("Dispatch of West Texas")
        last = sections.last
        assert last.locator("h2").inner_text() == (
            "Resolved assumptions (default = not in the file)")
        assert last.is_visible()
        ppa = last.locator("tr", has_text="[sites.dispatch.ppa]").inner_text()
        assert "150 MW at 32 USD/MWh" in ppa and "file" in ppa
        prices = last.locator("tr", has_text="[sites.power_contract] market").inner_text()
        assert "ERCOT HB_WEST" in prices
    finally:
        server.stop()


def test_the_api_page_renders_offline_under_the_csp(browser: Any, tmp_path: Path) -> None:
    """``/docs`` (the "API" link of every page) was blank: the Content-Security-Policy
    blocked Swagger UI's CDN script and stylesheet, its inline start-up script and its
    favicon. Its files are now the package's; no request leaves the server."""
    server = Server(f"sqlite:///{tmp_path / 'db.sqlite'}").start()
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 800})
        errors: list[str] = []
        outside: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith(server.base)
                else outside.append(r.url))
        page.goto(server.login_url)
        page.get_by_role("link", name="API").click()
        page.wait_for_url("**/docs")
        page.wait_for_selector(".opblock", timeout=30_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/api/portfolios" in paths and "/api/runs" in paths, paths
        assert page.locator(".opblock").count() >= 10
        page.wait_for_load_state("networkidle")
        assert errors == [], errors
        assert outside == [], outside
        assert page.evaluate("document.querySelector('link[rel*=icon]').href").startswith(
            server.base)
    finally:
        server.stop()


def test_pages_fit_a_phone_and_chart_titles_wrap(browser: Any, tmp_path: Path) -> None:
    """At 390 px the whole page scrolled sideways (``/`` 447 px, a portfolio 496, the
    market page 870): wide tables scroll in their own box. Chart titles were cut at the
    chart's edge ("Forced sales and breaches (sell_to_cove…"): they wrap."""
    server = Server(f"sqlite:///{tmp_path / 'db.sqlite'}").start()
    try:
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.goto(server.login_url)
        for url in ("/", "/portfolios/1", "/portfolios/4", "/market"):
            page.goto(server.base + url)
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (url, width)
        page.goto(server.base + "/portfolios/1")
        _wait_charts(page, 1)
        # each title inside its chart's box
        out = page.evaluate("""() => [...document.querySelectorAll('.chart')].map(c => {
            const box = c.getBoundingClientRect();
            const t = c.querySelector('.gtitle').getBoundingClientRect();
            return [c.querySelector('.gtitle').textContent, t.left >= box.left - 1
                    && t.right <= box.right + 1 && t.top >= box.top - 1];
        })""")
        assert out and all(inside for _, inside in out), out
    finally:
        server.stop()


#: Where a chart's texts run into each other (plotly JSON in, boxes measured in the page):
#: its title over the legend, the plot, an annotation or an axis's labels; its legend over
#: the plot or the axes' labels; two annotations over each other; the title or legend
#: outside the chart's box; a line drawn outside its plot area. One ``[chart title, what,
#: the text met]`` per clash.
_CHART_CLASHES = """() => {
  const box = (e) => e.getBoundingClientRect();
  const meets = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
                          && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const inside = (a, b) => a.left >= b.left - 2 && a.right <= b.right + 2
                           && a.top >= b.top - 2 && a.bottom <= b.bottom + 2;
  const out = [];
  document.querySelectorAll(".chart").forEach((c) => {
    const name = (c.querySelector(".gtitle") || {textContent: c.id}).textContent.slice(0, 50);
    const all = (sel) => [...c.querySelectorAll(sel)].filter((e) => box(e).width > 0);
    const title = all(".gtitle"), legend = all(".legend"), plot = all(".nsewdrag");
    const texts = all(".annotation, .xtitle, .ytitle, .y2title, .xtick text, .ytick text");
    const svg = box(c.querySelector(".main-svg"));
    for (const t of title) for (const o of [...legend, ...plot, ...texts])
      if (meets(box(t), box(o))) out.push([name, "title over", o.textContent.slice(0, 30)]);
    for (const l of legend) for (const o of [...plot, ...texts])
      if (meets(box(l), box(o))) out.push([name, "legend over", o.textContent.slice(0, 30)]);
    const notes = all(".annotation");
    notes.forEach((a, i) => notes.slice(i + 1).forEach((b) => {
      if (meets(box(a), box(b))) out.push([name, a.textContent.slice(0, 30), b.textContent]);
    }));
    for (const e of [...title, ...legend])
      if (!inside(box(e), svg)) out.push([name, "outside the chart", e.textContent.slice(0, 30)]);
    if (plot.length === 1) for (const p of c.querySelectorAll(".scatterlayer .js-line"))
      if (box(p).height > 0 && !inside(box(p), box(plot[0])))
        out.push([name, "a line outside its plot", ""]);
  });
  return out;
}"""


def test_chart_texts_and_lines_stay_clear_of_each_other(browser: Any, tmp_path: Path) -> None:
    """Until 2026-12 the tornado's "base case" label sat on its title's source line; the
    optimize plan's legend covered its quarters and axis title; a wrapped title (plotly's
    title automargin) left P(reverse margin)'s lines drawn above the plot, over the title,
    and pushed legends out of their chart; on a phone the cost chart's "BTC 109,669" sat
    on its "reverse margin (total)". Cost, pivot, simulate and optimize run pages, on a
    laptop and on a phone."""
    server = Server(f"sqlite:///{tmp_path / 'db.sqlite'}").start()
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 800})
        page.goto(server.login_url)
        runs = []
        for portfolio, kind, fields in (
                ("Reverse-margin", "cost", {}),
                ("Reverse-margin", "pivot", {}),
                ("Reverse-margin", "simulate", {"paths": "200", "chunk_paths": "100"}),
                ("Four-site", "optimize", {"scenarios": "8", "evpi_scenarios": "2"})):
            page.goto(server.base + "/")
            page.get_by_role("link", name=portfolio, exact=False).first.click()
            for field, value in fields.items():
                page.fill(f"#f-{kind}-{field}", value)
            page.click(f"#run-form-{kind} button[type=submit]")
            _wait_succeeded(page)
            runs.append(page.url)
        clashes = []
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 800})
            for url in runs:
                page.goto(url)
                _wait_charts(page, page.locator(".chart").count())
                page.wait_for_load_state("networkidle")
                clashes += [[width, url.rsplit("/", 1)[1], *c]
                            for c in page.evaluate(_CHART_CLASHES)]
        assert clashes == [], clashes
    finally:
        server.stop()


def test_a_hall_in_service_on_the_overview_and_the_cost_runs_mw_split(
        browser: Any, tmp_path: Path) -> None:
    """A portfolio with a hall in service, imported through the API: its overview lists
    the hall in a table that scrolls in its own box on a phone; a cost run launched from
    the overview draws the hall's bar in its MW split, its texts clear of each other on a
    laptop and on a phone (as the overview's MW split)."""
    import httpx

    from tests.web.hall_inputs import hall_toml
    from tests.web.server import api_key

    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    server = Server(db).start()
    try:
        r = httpx.post(server.base + "/api/portfolios/import", content=hall_toml().encode(),
                       headers={"Content-Type": "application/toml",
                                "Authorization": f"Bearer {api_key(db)}"})
        assert r.status_code == 201, r.text
        overview = f"{server.base}/portfolios/{r.json()['id']}"
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.goto(server.login_url)
        page.goto(overview)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        row = page.locator("#halls-in-service tbody tr")
        assert row.count() == 1
        cells = row.first.locator("td").all_inner_texts()
        assert cells[:4] == ["West Texas 200", "40.0", "30.8", "CoreWeave"]
        assert cells[-2:] == ["2024-06", "2036-05"]
        page.set_viewport_size({"width": 1366, "height": 800})
        page.click("#run-form-cost button[type=submit]")
        _wait_succeeded(page)
        cost = page.url
        clashes = []
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 800})
            for url in (cost, overview):
                page.goto(url)
                _wait_charts(page, page.locator(".chart").count())
                page.wait_for_load_state("networkidle")
                legend = page.locator(".chart", has_text="MW split").locator(".legend")
                assert "AI/HPC in service [MW]" in (legend.text_content() or "")
                clashes += [[width, url, *c] for c in page.evaluate(_CHART_CLASHES)]
        assert clashes == [], clashes
    finally:
        server.stop()
