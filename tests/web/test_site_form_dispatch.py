"""The site form edits a dispatching site's PPA and demand response, the new fields
included (``curtail_at_negative_price``, ``withdrawable``, ``unavailable_usd_per_mw_hour``):
they were in no form (only a JSON ``PUT`` or a TOML import could set them), a yes/no value
stored in the document showed as its default and was dropped by the next save, and an
empty field of a table the site lacks added that table."""

from __future__ import annotations

import copy
import tomllib
from html.parser import HTMLParser
from typing import Any

from tests.web.conftest import add_key, login, make_client

#: The seeded ``examples/dispatch-west-texas.toml``: a PPA and a demand response commitment.
DISPATCH_PORTFOLIO = 3
PPA = "dispatch.ppa."
DR = "dispatch.demand_response."


class _FormValues(HTMLParser):
    """What a browser posts of the site form as shown: each input's value and each
    select's selected option ("" when none is)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            self.values[str(a["name"])] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select = str(a["name"])
            self.values[self._select] = ""
        elif tag == "option" and self._select is not None and "selected" in a:
            self.values[self._select] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _shown(client: Any, portfolio_id: int) -> dict[str, str]:
    parser = _FormValues()
    parser.feed(client.get(f"/portfolios/{portfolio_id}/sites/0/edit").text)
    return parser.values


def _site(client: Any, portfolio_id: int) -> dict[str, Any]:
    site: dict[str, Any] = client.get(f"/api/portfolios/{portfolio_id}/sites/0").json()
    return site


def _field_block(html: str, name: str) -> str:
    return html.split(f'for="f-{name}"')[1].split('class="field')[0]


def test_the_new_dispatch_fields_are_set_in_the_site_form_and_kept(
        sqlite_db: tuple[str, None]) -> None:
    with make_client(*sqlite_db, run_jobs=False) as c:
        login(c)
        form = _shown(c, DISPATCH_PORTFOLIO)
        for name in (f"{PPA}curtail_at_negative_price", f"{DR}withdrawable",
                     f"{DR}unavailable_usd_per_mw_hour", f"{DR}keep_committed_load_online"):
            assert name in form
        assert form[f"{PPA}resale_allowed"] == "true"  # (stored true: shown as such)
        before = _site(c, DISPATCH_PORTFOLIO)
        form.update({f"{PPA}curtail_at_negative_price": "true",
                     f"{DR}withdrawable": "true",
                     f"{DR}unavailable_usd_per_mw_hour": "12.5"})
        r = c.post(f"/portfolios/{DISPATCH_PORTFOLIO}/sites/0/edit", data=form,
                   follow_redirects=False)
        assert r.status_code == 303, r.text
        after = _site(c, DISPATCH_PORTFOLIO)
        ppa, dr = after["dispatch"]["ppa"], after["dispatch"]["demand_response"]
        assert ppa["curtail_at_negative_price"] is True  # a yes/no value, not the text
        assert dr["withdrawable"] is True and dr["unavailable_usd_per_mw_hour"] == 12.5
        # what the form does not show is kept (the events, the 4CP peaks, the solar)
        assert dr["events"] == before["dispatch"]["demand_response"]["events"]
        for table in ("four_cp", "renewable", "limits"):
            assert after["dispatch"][table] == before["dispatch"][table]
        exported = tomllib.loads(c.get(f"/api/portfolios/{DISPATCH_PORTFOLIO}/toml").text)
        assert exported["sites"][0]["dispatch"]["ppa"]["curtail_at_negative_price"] is True
        assert exported["sites"][0]["dispatch"]["demand_response"][
            "unavailable_usd_per_mw_hour"] == 12.5


def test_a_site_form_saved_as_shown_changes_nothing(sqlite_db: tuple[str, None]) -> None:
    """A commitment kept firm (``withdrawable = false``) showed as the default (blank:
    true), so saving the form as shown made it withdrawable."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        form = _shown(c, DISPATCH_PORTFOLIO)
        form[f"{DR}withdrawable"] = "false"
        r = c.post(f"/portfolios/{DISPATCH_PORTFOLIO}/sites/0/edit", data=form,
                   follow_redirects=False)
        assert r.status_code == 303, r.text
        stored = _site(c, DISPATCH_PORTFOLIO)
        assert stored["dispatch"]["demand_response"]["withdrawable"] is False
        form = _shown(c, DISPATCH_PORTFOLIO)
        assert form[f"{DR}withdrawable"] == "false"
        assert form["csrf_token"] == csrf
        r = c.post(f"/portfolios/{DISPATCH_PORTFOLIO}/sites/0/edit", data=form,
                   follow_redirects=False)
        assert r.status_code == 303, r.text
        assert _site(c, DISPATCH_PORTFOLIO) == stored


def test_a_combination_that_cannot_apply_is_an_error_at_its_field(
        sqlite_db: tuple[str, None]) -> None:
    with make_client(*sqlite_db, run_jobs=False) as c:
        login(c)
        before = _site(c, DISPATCH_PORTFOLIO)
        form = _shown(c, DISPATCH_PORTFOLIO)
        form.update({f"{DR}withdrawable": "false", f"{DR}unavailable_usd_per_mw_hour": "10",
                     f"{PPA}settlement": "financial",
                     f"{PPA}curtail_at_negative_price": "true"})
        r = c.post(f"/portfolios/{DISPATCH_PORTFOLIO}/sites/0/edit", data=form)
        assert r.status_code == 422
        unavailable = _field_block(r.text, f"{DR}unavailable_usd_per_mw_hour")
        assert 'class="error"' in unavailable and "withdrawn" in unavailable
        curtail = _field_block(r.text, f"{PPA}curtail_at_negative_price")
        assert 'class="error"' in curtail and "financial" in curtail
        assert _site(c, DISPATCH_PORTFOLIO) == before  # nothing saved


def test_empty_fields_of_a_table_the_site_lacks_add_no_table(
        sqlite_db: tuple[str, None]) -> None:
    """A dispatching site without a PPA: its form's PPA fields left empty add no
    ``[sites.dispatch.ppa]`` (an empty one is a 0 MW contract, not no contract); a site
    without ``[sites.dispatch]`` shows no dispatch field."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        login(c)
        add_key(c)
        site = _site(c, DISPATCH_PORTFOLIO)
        del site["dispatch"]["ppa"]
        r = c.put(f"/api/portfolios/{DISPATCH_PORTFOLIO}/sites/0", json=site)
        assert r.status_code == 200, r.text
        form = _shown(c, DISPATCH_PORTFOLIO)
        assert form[f"{PPA}volume_mw"] == "" and form[f"{PPA}resale_allowed"] == ""
        r = c.post(f"/portfolios/{DISPATCH_PORTFOLIO}/sites/0/edit", data=form,
                   follow_redirects=False)
        assert r.status_code == 303, r.text
        assert "ppa" not in _site(c, DISPATCH_PORTFOLIO)["dispatch"]
        assert not any(k.startswith("dispatch.") for k in _shown(c, 1))


def test_a_refused_dispatch_form_keeps_what_was_typed(sqlite_db: tuple[str, None]) -> None:
    """Saved after another edit renamed the site (409): the typed PPA and demand response
    values are in the form shown again, each in its field, not listed as unknown keys."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        login(c)
        add_key(c)
        form = _shown(c, DISPATCH_PORTFOLIO)
        site = _site(c, DISPATCH_PORTFOLIO)
        r = c.put(f"/api/portfolios/{DISPATCH_PORTFOLIO}/sites/0",
                  json=dict(site, name="West Texas 2"))
        assert r.status_code == 200, r.text
        form.update({f"{DR}unavailable_usd_per_mw_hour": "7.5",
                     f"{PPA}curtail_at_negative_price": "true"})
        r = c.post(f"/portfolios/{DISPATCH_PORTFOLIO}/sites/0/edit", data=form,
                   follow_redirects=False)
        assert r.status_code == 409
        parser = _FormValues()
        parser.feed(r.text)
        assert parser.values[f"{DR}unavailable_usd_per_mw_hour"] == "7.5"
        assert parser.values[f"{PPA}curtail_at_negative_price"] == "true"
        assert "no such field" not in r.text


def test_the_ppa_window_is_set_in_the_site_form(sqlite_db: tuple[str, None]) -> None:
    """``[sites.dispatch.ppa] start`` and ``end`` (the block's window, which pivot,
    simulate and optimize value) are fields of the form: typed, they are stored and
    exported; a start after the end is refused at the start field, nothing saved."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        login(c)
        form = _shown(c, DISPATCH_PORTFOLIO)
        assert form[f"{PPA}start"] == "" and form[f"{PPA}end"] == ""
        form.update({f"{PPA}start": "2027-07", f"{PPA}end": "2030-12"})
        r = c.post(f"/portfolios/{DISPATCH_PORTFOLIO}/sites/0/edit", data=form,
                   follow_redirects=False)
        assert r.status_code == 303, r.text
        ppa = _site(c, DISPATCH_PORTFOLIO)["dispatch"]["ppa"]
        assert (ppa["start"], ppa["end"]) == ("2027-07", "2030-12")
        exported = tomllib.loads(c.get(f"/api/portfolios/{DISPATCH_PORTFOLIO}/toml").text)
        assert exported["sites"][0]["dispatch"]["ppa"]["start"] == "2027-07"
        before = _site(c, DISPATCH_PORTFOLIO)
        form.update({f"{PPA}start": "2031-01"})
        r = c.post(f"/portfolios/{DISPATCH_PORTFOLIO}/sites/0/edit", data=form)
        assert r.status_code == 422
        start = _field_block(r.text, f"{PPA}start")
        assert 'class="error"' in start and "after end" in start
        assert _site(c, DISPATCH_PORTFOLIO) == before
        form.update({f"{PPA}start": "", f"{PPA}end": ""})  # cleared: no term again
        r = c.post(f"/portfolios/{DISPATCH_PORTFOLIO}/sites/0/edit", data=form,
                   follow_redirects=False)
        assert r.status_code == 303, r.text
        ppa = _site(c, DISPATCH_PORTFOLIO)["dispatch"]["ppa"]
        assert "start" not in ppa and "end" not in ppa


def test_a_ppa_start_after_its_end_put_by_the_api_is_refused_at_its_path(
        sqlite_db: tuple[str, None]) -> None:
    """A ``PUT`` of the site, or of the whole portfolio, whose block starts (2031-01)
    after it ends (2030-12): 422 with the one problem at
    ``sites[0].dispatch.ppa.start``, nothing stored (the document and its revision as
    they were); ``start == end`` (a one-month window) is stored."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        login(c)
        add_key(c)
        url = f"/api/portfolios/{DISPATCH_PORTFOLIO}"
        before = c.get(url).json()
        site = _site(c, DISPATCH_PORTFOLIO)
        site["dispatch"]["ppa"].update({"start": "2031-01", "end": "2030-12"})
        doc = copy.deepcopy(before["document"])
        doc["sites"][0]["dispatch"]["ppa"].update({"start": "2031-01", "end": "2030-12"})
        for r in (c.put(f"{url}/sites/0", json=site), c.put(url, json=doc)):
            assert r.status_code == 422, r.text
            assert [p["path"] for p in r.json()["problems"]] == ["sites[0].dispatch.ppa.start"]
            assert "after end" in r.json()["problems"][0]["message"]
        assert c.get(url).json() == before
        site["dispatch"]["ppa"]["start"] = "2030-12"
        r = c.put(f"{url}/sites/0", json=site)
        assert r.status_code == 200, r.text
        ppa = _site(c, DISPATCH_PORTFOLIO)["dispatch"]["ppa"]
        assert (ppa["start"], ppa["end"]) == ("2030-12", "2030-12")


def test_a_ppa_end_imported_as_a_toml_date_saves_as_shown(
        sqlite_db: tuple[str, None]) -> None:
    """A TOML date literal (``end = 2030-12-01``: the model keeps its month) shows in the
    form as the month the model reads, so saving the form as shown keeps the term."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        login(c)
        add_key(c)
        text = c.get(f"/api/portfolios/{DISPATCH_PORTFOLIO}/toml").text
        text = text.replace("[sites.dispatch.ppa]\n", "[sites.dispatch.ppa]\nend = 2030-12-01\n", 1)
        assert "end = 2030-12-01" in text
        r = c.post("/api/portfolios/import", content=text.encode(),
                   headers={"Content-Type": "application/toml"})
        assert r.status_code in (200, 201), r.text
        pid = r.json()["id"]
        form = _shown(c, pid)
        assert form[f"{PPA}end"] == "2030-12"
        r = c.post(f"/portfolios/{pid}/sites/0/edit", data=form, follow_redirects=False)
        assert r.status_code == 303, r.text
        assert _site(c, pid)["dispatch"]["ppa"]["end"] == "2030-12"
