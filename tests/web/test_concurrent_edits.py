"""Concurrent edits of one portfolio on SQLite and PostgreSQL: none is lost, and every
stored document has its own revision (what a run's ``portfolio_revision`` names)."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: Requests sent at once (the audit lost 4 site additions of 16).
N_PARALLEL = 16


def _document() -> dict[str, Any]:
    return tomllib.loads((EXAMPLES / "reverse-margin.toml").read_text())


def _site(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """The document's second site (30 MW) under another name, small enough to add often."""
    return dict(copy.deepcopy(doc["sites"][1]), name=name)


def _parallel(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call at once, each in its own thread; their results in order."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def _create(service: Any) -> tuple[int, dict[str, Any]]:
    r = service.post("/api/portfolios", json=_document())
    assert r.status_code == 201, r.text
    return int(r.json()["id"]), r.json()


def test_parallel_site_additions_are_all_kept(service: Any) -> None:
    pid, created = _create(service)
    doc = _document()
    names = [f"Site {k}" for k in range(N_PARALLEL)]
    responses = _parallel([
        (lambda n=n: service.post(f"/api/portfolios/{pid}/sites", json=_site(doc, n)))
        for n in names])
    assert [r.status_code for r in responses] == [201] * N_PARALLEL, [r.text for r in responses]
    stored = service.get(f"/api/portfolios/{pid}").json()
    assert sorted(stored["site_names"]) == sorted([*created["site_names"], *names])
    revisions = sorted(r.json()["revision"] for r in responses)
    assert revisions == list(range(2, N_PARALLEL + 2))
    assert stored["revision"] == N_PARALLEL + 1


def test_parallel_site_replacements_and_deletions_are_all_kept(service: Any) -> None:
    pid, _ = _create(service)
    doc = _document()
    n_sites = 6
    for k in range(n_sites):
        assert service.post(f"/api/portfolios/{pid}/sites",
                            json=_site(doc, f"Site {k}")).status_code == 201
    # rename sites 2..7 while deleting the last one (index 7): each edit applies to the
    # document as it stands when it is stored
    renames = [(lambda k=k: service.put(f"/api/portfolios/{pid}/sites/{k}",
                                        json=_site(doc, f"Renamed {k}")))
               for k in range(2, 2 + n_sites - 1)]
    responses = _parallel([*renames, lambda: service.delete(
        f"/api/portfolios/{pid}/sites/{1 + n_sites}")])
    assert [r.status_code for r in responses] == [200] * n_sites, [r.text for r in responses]
    names = service.get(f"/api/portfolios/{pid}").json()["site_names"]
    assert names == ["Texas", "Georgia", *(f"Renamed {k}" for k in range(2, 1 + n_sites))]


def test_parallel_replacements_each_get_their_own_revision(service: Any) -> None:
    pid, _ = _create(service)
    documents = [dict(_document(), name=f"version {k}") for k in range(N_PARALLEL)]
    responses = _parallel([
        (lambda d=d: service.put(f"/api/portfolios/{pid}", json=d)) for d in documents])
    assert [r.status_code for r in responses] == [200] * N_PARALLEL, [r.text for r in responses]
    by_revision = {r.json()["revision"]: r.json()["name"] for r in responses}
    assert sorted(by_revision) == list(range(2, N_PARALLEL + 2))  # none repeated
    stored = service.get(f"/api/portfolios/{pid}").json()
    assert stored["revision"] == N_PARALLEL + 1
    assert stored["name"] == by_revision[N_PARALLEL + 1]  # the last writer's document


def test_an_edit_based_on_an_older_revision_is_a_409(service: Any) -> None:
    pid, created = _create(service)
    doc = _document()
    assert created["revision"] == 1
    r = service.put(f"/api/portfolios/{pid}?expected_revision=1", json=dict(doc, name="one"))
    assert r.status_code == 200 and r.json()["revision"] == 2
    stale = [
        service.put(f"/api/portfolios/{pid}?expected_revision=1", json=dict(doc, name="two")),
        service.post(f"/api/portfolios/{pid}/sites?expected_revision=1",
                     json=_site(doc, "Added")),
        service.put(f"/api/portfolios/{pid}/sites/1?expected_revision=1",
                    json=_site(doc, "Renamed")),
        service.delete(f"/api/portfolios/{pid}/sites/1?expected_revision=1"),
    ]
    for r in stale:
        assert r.status_code == 409, r.text
        assert r.json()["revision"] == 2
        assert "revision 2" in r.json()["detail"] and "revision 1" in r.json()["detail"]
    stored = service.get(f"/api/portfolios/{pid}").json()
    assert (stored["revision"], stored["name"]) == (2, "one")
    r = service.post(f"/api/portfolios/{pid}/sites?expected_revision=2", json=_site(doc, "New"))
    assert r.status_code == 201 and r.json()["revision"] == 3


def test_parallel_edits_with_the_same_expected_revision_store_one(service: Any) -> None:
    pid, _ = _create(service)
    doc = _document()
    responses = _parallel([
        (lambda k=k: service.post(f"/api/portfolios/{pid}/sites?expected_revision=1",
                                  json=_site(doc, f"Site {k}")))
        for k in range(N_PARALLEL)])
    assert sorted(r.status_code for r in responses) == [201] + [409] * (N_PARALLEL - 1)
    assert len(service.get(f"/api/portfolios/{pid}").json()["site_names"]) == 3


def test_the_store_refuses_an_update_of_an_older_revision(service: Any) -> None:
    """Two sessions read revision 1; the second one's update finds revision 2 stored."""
    from hashpivot.exceptions import RevisionConflictError
    from hashpivot.store import portfolios as store
    from hashpivot.store.tables import PortfolioRow

    pid, _ = _create(service)
    factory = service.app.state.factory
    with factory() as first, factory() as second:
        row_a = first.get(PortfolioRow, pid)
        row_b = second.get(PortfolioRow, pid)
        assert row_a is not None and row_b is not None
        assert row_a.revision == row_b.revision == 1
        store.update(first, row_a, dict(_document(), name="first"), expected_revision=1)
        first.commit()
        assert row_a.revision == 2
        with pytest.raises(RevisionConflictError) as info:
            store.update(second, row_b, dict(_document(), name="second"), expected_revision=1)
        second.rollback()
        assert (info.value.expected_revision, info.value.stored_revision) == (1, 2)
    stored = service.get(f"/api/portfolios/{pid}").json()
    assert (stored["revision"], stored["name"]) == (2, "first")


def test_an_edit_by_position_applies_to_its_site_where_another_edit_moved_it(
        service: Any) -> None:
    """A review's case: two ``DELETE /sites/0`` meaning Texas, the second stored between
    the first's read and its update: the first, applied again to the list as it then
    stood, deleted Georgia too. An edit by position now finds its site again by name:
    deleting it again is a 409 (it is gone), and a replacement of Georgia (site 1 when
    read) made while Texas is deleted replaces Georgia, now site 0."""
    from fastapi import HTTPException

    from hashpivot.web.lookup import edit_portfolio, pinned_site

    pid, created = _create(service)
    assert created["site_names"][:2] == ["Texas", "Georgia"]
    factory = service.app.state.factory

    def meanwhile(edit: Callable[[dict[str, Any], int], None], request: Callable[[], Any],
                  index: int) -> Callable[[Any], dict[str, Any]]:
        at, done = pinned_site(index), []

        def change(row: Any) -> dict[str, Any]:
            position = at(row)
            if not done:  # another request is stored after this read
                done.append(request())
                assert done[0].status_code == 200, done[0].text
            doc = copy.deepcopy(row.document)
            edit(doc, position)
            return doc

        return change

    def delete(doc: dict[str, Any], i: int) -> None:
        del doc["sites"][i]

    twice = meanwhile(delete, lambda: service.delete(f"/api/portfolios/{pid}/sites/0"), 0)
    with pytest.raises(HTTPException) as err:
        edit_portfolio(factory, pid, twice)
    assert err.value.status_code == 409 and "'Texas'" in str(err.value.detail)
    names = service.get(f"/api/portfolios/{pid}").json()["site_names"]
    assert names[0] == "Georgia"  # (only Texas deleted)
    # a site put before Georgia (site 1 then), which is replaced while site 0 is deleted
    doc = _document()
    first = _site(doc, "First")
    assert service.put(f"/api/portfolios/{pid}", json=dict(
        service.get(f"/api/portfolios/{pid}").json()["document"],
        sites=[first, *service.get(f"/api/portfolios/{pid}").json()["document"]["sites"]],
    )).status_code == 200
    assert service.get(f"/api/portfolios/{pid}").json()["site_names"][:2] == [
        "First", "Georgia"]
    renamed = _site(doc, "Georgia 2")

    def replace(doc: dict[str, Any], i: int) -> None:
        doc["sites"][i] = renamed

    edit_portfolio(factory, pid, meanwhile(
        replace, lambda: service.delete(f"/api/portfolios/{pid}/sites/0"), 1))
    names = service.get(f"/api/portfolios/{pid}").json()["site_names"]
    assert names[0] == "Georgia 2" and "First" not in names and "Georgia" not in names
