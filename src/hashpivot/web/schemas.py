"""Request and response bodies of the REST API (they make the OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hashpivot.store.compare import reproduction_of
from hashpivot.store.provenance import compare_provenance, provenance
from hashpivot.store.tables import PortfolioRow, RunRow

RunKindName = Literal["cost", "backtest", "pivot", "simulate", "dispatch", "optimize"]
RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class ProblemOut(BaseModel):
    """One input problem: field path, message, source."""

    path: str
    message: str
    source: str = ""


class ProblemsOut(BaseModel):
    """422 body for input the engines or models reject."""

    detail: str = "invalid input"
    problems: list[ProblemOut]


class ConflictOut(BaseModel):
    """409 body: a portfolio edited since ``expected_revision`` (its stored ``revision``),
    or a run without the results asked for (``revision`` None)."""

    detail: str
    revision: int | None = None


class PortfolioSummary(BaseModel):
    """A portfolio in a list."""

    id: int
    name: str
    revision: int
    site_names: list[str]
    updated_at: dt.datetime

    @classmethod
    def of(cls, row: PortfolioRow) -> PortfolioSummary:
        """From a table row."""
        sites = row.document.get("sites") or []
        return cls(
            id=row.id,
            name=row.name,
            revision=row.revision,
            site_names=[str(s.get("name", "")) for s in sites if isinstance(s, dict)],
            updated_at=row.updated_at,
        )


class PortfolioOut(PortfolioSummary):
    """A portfolio with its document (the TOML file as JSON)."""

    document: dict[str, Any]
    created_at: dt.datetime

    @classmethod
    def of(cls, row: PortfolioRow) -> PortfolioOut:
        """From a table row."""
        base = PortfolioSummary.of(row).model_dump()
        return cls(**base, document=row.document, created_at=row.created_at)


class RunRequest(BaseModel):
    """Submit a run of an engine on a stored portfolio."""

    model_config = ConfigDict(extra="forbid")

    kind: RunKindName
    # strict: JSON true is not portfolio 1, nor "3" portfolio 3
    portfolio_id: int = Field(..., ge=1, le=2**31 - 1, strict=True)
    params: dict[str, Any] = Field(
        default_factory=dict, description="Parameters of the kind (see /api/run-kinds)."
    )


class RunOut(BaseModel):
    """A run's status and progress."""

    id: int
    kind: str
    status: RunStatus
    portfolio_id: int | None = Field(
        ..., description="The portfolio the run ran on; null when it was deleted since "
        "(`portfolio_name` keeps the name it ran under: the run's page and the runs lists "
        "say `<name> (deleted)`).")
    portfolio_name: str | None = Field(
        None, description="The portfolio's name at the run's revision, as the run's page "
        "shows it beside `#id`, kept when the portfolio is deleted since (the name now for "
        "a run stored without it; null for such a run whose portfolio was deleted).")
    portfolio_revision: int | None
    params: dict[str, Any]
    progress_fraction: float
    message: str
    problems: list[dict[str, str]] | None
    cancel_requested: bool
    reproduces_run_id: int | None = Field(
        None, description="The run this one runs again, to compare their results.")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @classmethod
    def of(cls, row: RunRow, names: Mapping[int, str]) -> RunOut:
        """From a table row and the names of the portfolios of runs by run id
        (:func:`hashpivot.store.portfolios.run_portfolio_names`: the pages' own)."""
        return cls(
            id=row.id,
            kind=row.kind,
            status=row.status,
            portfolio_id=row.portfolio_id,
            portfolio_name=names.get(row.id),
            portfolio_revision=row.portfolio_revision,
            params=row.params,
            progress_fraction=row.progress_fraction,
            message=row.message,
            problems=row.problems,
            cancel_requested=row.cancel_requested,
            reproduces_run_id=row.reproduces_run_id,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )


class ChangedSinceRun(BaseModel):
    """What differs between a run's provenance and this server's
    (:class:`hashpivot.store.provenance.ProvenanceChange`): with ``unchanged``, running
    the run's inputs again must give the same numbers."""

    recorded: bool = Field(description="The run recorded its code and library versions.")
    unchanged: bool = Field(description="Same code, libraries and data as this server.")
    code: list[str] = Field(description="Folders of the package whose code changed.")
    libraries: list[str] = Field(description="'name old -> new' for the numeric libraries.")
    data: list[str] = Field(description="Data files that changed ('bundled/<name>').")


class ReproductionOut(BaseModel):
    """How a run that reproduces another compares with it
    (:class:`hashpivot.store.compare.Reproduction`)."""

    of_run_id: int = Field(description="The run reproduced.")
    state: Literal["pending", "identical", "differs", "failed"]
    n_differ: int = Field(description="Stored values of that run not reproduced.")
    differs: list[str] = Field(description="The first 50: 'path: stored ..., reproduced ...'.")
    added: list[str] = Field(description="Values only this run computes (a later version's).")
    verdict: str = Field(description="Identical, or what the differences mean given what "
                         "changed between the two runs' code, libraries and data.")


class RunDetail(RunOut):
    """A run with its resolved inputs, provenance and results (the CLI's ``--json``)."""

    inputs: dict[str, Any] | None
    provenance: dict[str, Any] | None
    changed_since_run: ChangedSinceRun
    reproduction: ReproductionOut | None = Field(
        None, description="With reproduces_run_id: how this run compares with that one.")
    results: dict[str, Any] | None

    @classmethod
    def of(cls, row: RunRow, names: Mapping[int, str],
           original: RunRow | None = None) -> RunDetail:
        """From a table row, the names of the portfolios of runs by run id (as
        :meth:`RunOut.of`) and, for a reproduction, the row of the run it reproduces."""
        change = compare_provenance(row.provenance or {}, provenance())
        again = reproduction_of(original, row)
        return cls(
            **RunOut.of(row, names).model_dump(),
            inputs=row.inputs,
            provenance=row.provenance,
            changed_since_run=ChangedSinceRun(
                recorded=change.recorded, unchanged=change.unchanged, code=list(change.code),
                libraries=list(change.libraries), data=list(change.data)),
            reproduction=None if again is None else ReproductionOut(**asdict(again)),
            results=row.results,
        )


class TableOut(BaseModel):
    """One table of a finished run (``GET /api/runs/{id}/tables``)."""

    title: str
    header: list[str]
    rows: list[list[str]]
    notes: list[str]


class RunKindOut(BaseModel):
    """A run kind and the JSON schema of its parameters."""

    name: str
    title: str
    params_schema: dict[str, Any]


def with_run_params(spec: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document ``spec`` with each run kind's parameters documented: their
    models (:mod:`hashpivot.store.run_params`: every number with its unit in brackets and
    its default, as the CLI's ``--help`` gives its options) among the components, and a
    run request's ``params`` one of them. The request still takes any object and checks it
    against its kind's model, so that each problem keeps its path
    (``body.params.paths``); ``GET /api/run-kinds`` serves the same schemas."""
    from pydantic.json_schema import models_json_schema

    from hashpivot.store.runs import RUN_KINDS

    models = [k.params for k in RUN_KINDS.values()]
    _, top = models_json_schema([(m, "validation") for m in models],
                                ref_template="#/components/schemas/{model}")
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(top.get("$defs", {}))
    params = schemas["RunRequest"]["properties"]["params"]
    params["anyOf"] = [{"$ref": f"#/components/schemas/{m.__name__}"} for m in models]
    params["description"] = ("Parameters of the kind: its schema among these (units in "
                             "brackets; also GET /api/run-kinds).")
    return spec
