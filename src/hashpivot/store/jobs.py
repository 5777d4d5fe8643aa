"""Runs as background jobs: submission, a runner thread and worker processes.

The service's :class:`JobRunner` claims queued runs and executes each in its own worker
process (``multiprocessing`` forkserver), never in a request thread. A worker writes its
progress and its result straight to the database, guarded by the run's status and the
server id, so:

- cancelling terminates the worker and marks the run ``cancelled``;
- a server restart marks every run left ``running`` as ``failed`` (the worker of a killed
  server notices its server is gone and exits; its late writes match no row);
- a crash mid-run loses nothing already stored (each write is its own transaction).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import multiprocessing
import os
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from hashpivot.exceptions import HashpivotError, InputError, Problem
from hashpivot.models import Portfolio
from hashpivot.store.portfolios import nul_character_problems
from hashpivot.store.run_params import PARAMS_SOURCE
from hashpivot.store.runs import provenance, resolve_inputs
from hashpivot.store.tables import PortfolioRow, RunRow, utcnow

log = logging.getLogger("hashpivot.jobs")

ACTIVE = ("queued", "running")
FINISHED = ("succeeded", "failed", "cancelled")
RESTART_MESSAGE = "the server stopped while the run was in flight; submit it again"


def submit(
    session: Session, kind: str, portfolio_row: PortfolioRow, portfolio: Portfolio, params: Any
) -> RunRow:
    """Resolve the inputs of a run and queue it (raises :class:`InputError` on bad input:
    a problem of the portfolio names it, ``portfolio <id>``, as its validation does; a
    NUL character in a text of the parameters, which no stored text may hold, is one)."""
    nuls = nul_character_problems(params, PARAMS_SOURCE)
    if nuls:
        raise InputError(nuls)
    try:
        inputs = resolve_inputs(kind, portfolio, params)
    except InputError as exc:
        raise exc.with_source(f"portfolio {portfolio_row.id}") from None
    row = RunRow(
        kind=kind,
        status="queued",
        portfolio_id=portfolio_row.id,
        portfolio_revision=portfolio_row.revision,
        params=dict(params or {}),
        inputs=inputs,
        provenance=provenance(),
        progress_fraction=0.0,
        message="queued",
        cancel_requested=False,
    )
    session.add(row)
    session.flush()
    return row


def submit_reproduction(session: Session, original: RunRow) -> RunRow:
    """Queue a run of ``original``'s stored inputs (not resolved again from its portfolio,
    which may have changed since), to compare its results with the stored ones.

    Raises
    ------
    InputError
        When ``original`` has not succeeded: there is nothing to compare with.
    """
    if original.status != "succeeded" or original.results is None or original.inputs is None:
        raise InputError([Problem("run_id", f"run {original.id} is {original.status}: "
                                  "nothing to reproduce", f"run {original.id}")])
    row = RunRow(
        kind=original.kind,
        status="queued",
        portfolio_id=original.portfolio_id,
        portfolio_revision=original.portfolio_revision,
        params=dict(original.params or {}),
        inputs=original.inputs,
        provenance=provenance(),
        progress_fraction=0.0,
        message=f"queued: reproduces run {original.id}",
        cancel_requested=False,
        reproduces_run_id=original.id,
    )
    session.add(row)
    session.flush()
    return row


def request_cancel(session: Session, row: RunRow) -> None:
    """Cancel a queued run now; ask the runner to stop a running one."""
    if row.status == "queued":
        row.status = "cancelled"
        row.message = "cancelled before it started"
        row.finished_at = utcnow()
    elif row.status == "running":
        row.cancel_requested = True
        row.message = "cancelling"


def fail_orphaned_runs(factory: sessionmaker[Session]) -> int:
    """Mark every ``running`` run ``failed`` (at start-up: no worker of ours runs them)."""
    with factory() as s, s.begin():
        result = s.execute(
            update(RunRow)
            .where(RunRow.status == "running")
            .values(status="failed", message=RESTART_MESSAGE, finished_at=utcnow())
        )
        return int(getattr(result, "rowcount", 0) or 0)


# --------------------------------------------------------------------------------------
# the worker process
# --------------------------------------------------------------------------------------
def _watch_server(server_pid: int) -> None:
    while True:
        time.sleep(0.5)
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            os._exit(3)
        except PermissionError:
            pass


#: Niceness added to run worker processes (POSIX ``nice``: 0 is normal, 19 the lowest). [-]
WORKER_NICENESS = 19


def worker_main(
    url: str,
    schema: str | None,
    run_id: int,
    server_id: str,
    server_pid: int,
    max_memory_mib: float | None = None,
) -> None:
    """Entry point of a worker process: execute one run and store what it produces.

    ``max_memory_mib`` is the service's ``HASHPIVOT_MAX_MEMORY_MIB`` (None: the memory
    available when the run starts). [MiB]
    """
    from hashpivot.store.db import make_engine, session_factory
    from hashpivot.store.runs import RunContext, execute_run

    threading.Thread(target=_watch_server, args=(server_pid,), daemon=True).start()
    # runs are batch work: below the server's priority, so reads stay responsive while
    # simulations use the cores (POSIX nice; a no-op where unsupported)
    with contextlib.suppress(AttributeError, OSError):
        os.nice(WORKER_NICENESS)
    engine = make_engine(url, schema)
    factory = session_factory(engine)
    mine = (RunRow.id == run_id) & (RunRow.status == "running") & (RunRow.server_id == server_id)

    def write(**values: Any) -> bool:
        with factory() as s, s.begin():
            res = s.execute(update(RunRow).where(mine).values(**values))
            return bool(getattr(res, "rowcount", 0))

    last = [0.0]

    def progress(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - last[0] < 0.3 and fraction < 1:
            return
        last[0] = now
        if not write(progress_fraction=min(max(fraction, 0.0), 1.0), message=message):
            os._exit(0)  # cancelled or taken over: stop at once

    with factory() as s:
        inputs = s.scalar(select(RunRow.inputs).where(RunRow.id == run_id))
    try:
        out = execute_run(inputs or {}, RunContext(progress, max_memory_mib))
    except InputError as exc:
        write(
            status="failed",
            message="invalid input",
            problems=[p.as_dict() for p in exc.problems],
            finished_at=utcnow(),
        )
        return
    except HashpivotError as exc:
        write(status="failed", message=str(exc), finished_at=utcnow())
        return
    except Exception as exc:  # a bug: keep the traceback with the run
        write(
            status="failed",
            message=f"internal error: {type(exc).__name__}: {exc}",
            problems=[{"path": "", "message": traceback.format_exc(), "source": "traceback"}],
            finished_at=utcnow(),
        )
        return
    write(
        status="succeeded",
        results=out.results,
        charts=out.charts,
        progress_fraction=1.0,
        message="done",
        finished_at=utcnow(),
    )


# --------------------------------------------------------------------------------------
# the runner thread in the server
# --------------------------------------------------------------------------------------
@dataclass
class _Active:
    run_id: int
    process: Any


class JobRunner:
    """Claims queued runs and executes them in at most ``workers`` worker processes."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        url: str,
        schema: str | None = None,
        workers: int = 2,
        poll_s: float = 0.25,
        max_memory_mib: float | None = None,
    ) -> None:
        self.factory = factory
        self.url = url
        self.schema = schema
        self.workers = workers
        self.max_memory_mib = max_memory_mib
        self.poll_s = poll_s
        self.server_id = uuid.uuid4().hex
        self._active: dict[int, _Active] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._ctx = multiprocessing.get_context("forkserver")
        with contextlib.suppress(Exception):
            self._ctx.set_forkserver_preload(["hashpivot.store.jobs", "hashpivot.store.runs"])

    def start(self) -> None:
        """Fail runs orphaned by an earlier server, then start the runner thread."""
        n = fail_orphaned_runs(self.factory)
        if n:
            log.warning("marked %d run(s) left running by a stopped server as failed", n)
        self._thread = threading.Thread(target=self._loop, name="hashpivot-jobs", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for new work now (after a submission or a cancellation)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop the thread; terminate workers and mark their runs failed."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for a in list(self._active.values()):
            a.process.terminate()
            a.process.join(timeout=5)
            self._finish(a.run_id, "failed", "the server stopped during the run")
        self._active.clear()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:  # keep the runner alive; the DB may be briefly unavailable
                log.exception("job runner tick failed")
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def _finish(self, run_id: int, status: str, message: str) -> None:
        with self.factory() as s, s.begin():
            s.execute(
                update(RunRow)
                .where(
                    (RunRow.id == run_id)
                    & (RunRow.status == "running")
                    & (RunRow.server_id == self.server_id)
                )
                .values(status=status, message=message, finished_at=utcnow())
            )

    def _tick(self) -> None:
        # reap finished workers; a worker that died without writing fails its run
        for run_id, a in list(self._active.items()):
            if not a.process.is_alive():
                a.process.join()
                code = a.process.exitcode
                self._finish(run_id, "failed", f"the worker process exited with code {code}")
                del self._active[run_id]
        # cancellations
        if self._active:
            with self.factory() as s:
                cancel = set(
                    s.scalars(
                        select(RunRow.id).where(
                            RunRow.id.in_(list(self._active)), RunRow.cancel_requested.is_(True)
                        )
                    )
                )
            for run_id in cancel:
                a = self._active.pop(run_id)
                a.process.terminate()
                a.process.join(timeout=5)
                self._finish(run_id, "cancelled", "cancelled")
        # claim queued runs
        free = self.workers - len(self._active)
        if free <= 0:
            return
        with self.factory() as s:
            queued = list(
                s.scalars(
                    select(RunRow.id)
                    .where(RunRow.status == "queued")
                    .order_by(RunRow.id)
                    .limit(free)
                )
            )
        for run_id in queued:
            with self.factory() as s, s.begin():
                res = s.execute(
                    update(RunRow)
                    .where((RunRow.id == run_id) & (RunRow.status == "queued"))
                    .values(
                        status="running",
                        server_id=self.server_id,
                        started_at=utcnow(),
                        message="starting",
                    )
                )
                if not getattr(res, "rowcount", 0):
                    continue
            proc = self._ctx.Process(
                target=worker_main,
                args=(
                    self.url, self.schema, run_id, self.server_id, os.getpid(),
                    self.max_memory_mib,
                ),
                daemon=True,
            )
            proc.start()
            self._active[run_id] = _Active(run_id, proc)


def wait_for(factory: sessionmaker[Session], run_id: int, timeout_s: float = 120.0) -> RunRow:
    """Poll until a run is finished (tests, ``runs`` CLI); returns the row."""
    deadline = time.monotonic() + timeout_s
    while True:
        with factory() as s:
            row = s.get(RunRow, run_id)
            assert row is not None
            if row.status in FINISHED or time.monotonic() > deadline:
                return row
        time.sleep(0.1)


def age_s(when: dt.datetime | None) -> float | None:
    """Seconds since ``when`` (None stays None)."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return (utcnow() - when).total_seconds()
