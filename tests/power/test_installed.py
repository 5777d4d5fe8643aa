"""Tranches installed part of the horizon (``DispatchProblem.tranche_installed_series``):
the limits that tie intervals together still hold where the fleet changes (a review's
cases, each infeasible or wrong before)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashpivot.power import DispatchProblem, Tranche, solve
from hashpivot.power.accounts import evaluate_accounts

TZ = "America/Chicago"


def _problem(n: int, prices: np.ndarray, installed: np.ndarray, **kw: object
             ) -> DispatchProblem:
    kw.setdefault("tranches", (Tranche("a", 10.0, 10.0 * 1e3 / 18.0, 0.6, 0.7),
                               Tranche("b", 8.0, 8.0 * 1e3 / 25.0, 0.6, 0.7)))
    return DispatchProblem(
        index=pd.date_range("2024-07-01", periods=n, freq="h", tz=TZ),
        interval_hours_series=np.ones(n),
        price_usd_per_mwh_series=prices,
        hashprice_usd_per_ph_day_series=np.full(n, 50.0),
        tranche_installed_series=installed,
        **kw,  # type: ignore[arg-type]
    )


def _prices(n: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 60 + 25 * np.sin(np.arange(n) * 2 * np.pi / 24) + rng.normal(0, 20, n)


def test_a_retirement_under_a_ramp_and_min_up_times_solves_in_windows() -> None:
    # b (8 MW, at least 4.8 MW while on) retires at hour 30; the ramp is 2 MW: its last
    # step off breaks the ramp whatever the schedule before, and a window that committed
    # it without seeing the retirement had no feasible schedule ("dispatch window 182 of
    # 366 is infeasible" on the example with a retirement). Installing and retiring are
    # planned, not dispatched: the ramp widens by the power leaving (or joining).
    n = 48
    installed = np.ones((n, 2), dtype=bool)
    installed[30:, 1] = False
    prob = _problem(n, np.full(n, 20.0), installed, ramp_mw_per_interval=2.0,
                    min_up_intervals=3, min_down_intervals=3)
    # windows cut at the retirement, no look-ahead: the window before commits b at full
    # power, cheap as it is, and sees nothing of the retirement
    got = solve(prob, "lp", window_hours=10.0, lookahead_hours=0.0)
    assert got.report.n_windows == 5
    by_tranche = got.schedule.mining_by_tranche_mw(prob)
    assert (by_tranche[30:, 1] == 0).all() and by_tranche[:30, 1].min() > 0  # cheap power
    step = np.diff(got.schedule.segment_mw.sum(axis=1))
    assert np.abs(np.delete(step, 29)).max() <= 2.0 + 1e-6
    assert step[29] >= -(2.0 + 8.0) - 1e-6


def test_a_kept_online_commitment_rises_at_the_ramp_once_machines_are_installed() -> None:
    # 5 MW kept online for demand response, machines installed from hour 10, a 1 MW ramp:
    # the floor rose from 0 to 5 MW in one interval, so even the LP was infeasible
    n = 24
    installed = np.ones((n, 2), dtype=bool)
    installed[:10] = False
    prob = _problem(n, np.full(n, 500.0), installed, ramp_mw_per_interval=1.0,
                    dr_committed_mw=5.0, dr_keep_online=True,
                    dr_withdrawable=False)  # power too dear to mine; a firm commitment
    got = solve(prob, "lp")
    mining = got.schedule.segment_mw.sum(axis=1)
    assert mining[:10].max() == 0.0
    # brought up to the commitment at the ramp rate, and no higher (power is dear)
    assert mining[10:16] == pytest.approx([1.0, 2.0, 3.0, 4.0, 5.0, 5.0], abs=1e-6)
    assert prob.mining_floor_mw()[10:16] == pytest.approx([1, 2, 3, 4, 5, 5])


def test_a_commitment_over_the_machines_installed_is_paid_on_what_they_can_curtail() -> None:
    # 15 MW committed against 18 MW of machines, b (8 MW) retired from hour 12: 10 MW
    # are left to curtail, so readiness is paid on 10 MW then (it was paid on 15, and
    # every event then fell 5 MW short of a commitment no machine could honour)
    n = 24
    installed = np.ones((n, 2), dtype=bool)
    installed[12:, 1] = False
    event = np.zeros(n, dtype=bool)
    event[18:20] = True
    prob = _problem(n, np.full(n, 20.0), installed, dr_committed_mw=15.0,
                    dr_readiness_usd_per_mw_hour=4.0, dr_penalty_usd_per_mwh=1000.0,
                    dr_event_series=event, dr_keep_online=False)
    assert prob.dr_committed_series_mw().tolist() == [15.0] * 12 + [10.0] * 12
    fast, lp = solve(prob, "fast"), solve(prob, "lp")
    acc = evaluate_accounts(prob, fast.schedule)
    assert acc.dr_readiness_usd.sum() == pytest.approx(4.0 * (15 * 12 + 10 * 12))
    assert acc.dr_penalty_usd.sum() == pytest.approx(0.0, abs=1e-9)  # 0 MW mined then
    assert fast.objective_usd == pytest.approx(lp.objective_usd, rel=1e-9)
    assert lp.report.objective == pytest.approx(lp.objective_usd, rel=1e-9)


def test_a_tranche_may_start_within_its_min_up_time_of_its_retirement() -> None:
    # one 10 MW tranche, 6 h minimum up time, retired from hour 12, power cheap in hours
    # 9-11 only: the min up rows held it on past its retirement, so it could not start
    # and mined nothing; it mines those hours, as on a horizon that ends at hour 12
    n = 24
    prices = np.full(n, 500.0)
    prices[9:12] = 10.0
    installed = np.ones((n, 1), dtype=bool)
    installed[12:] = False
    one = (Tranche("a", 10.0, 10.0 * 1e3 / 18.0),)
    prob = _problem(n, prices, installed, tranches=one, min_up_intervals=6)
    got = solve(prob, "lp", window_hours=None)
    mining = got.schedule.segment_mw.sum(axis=1)
    assert mining[9:12] == pytest.approx([10.0] * 3) and mining[12:].max() == 0.0
    short = _problem(12, prices[:12], installed[:12], tranches=one, min_up_intervals=6)
    assert got.objective_usd == pytest.approx(solve(short, "lp").objective_usd, rel=1e-9)


def test_windows_left_at_their_start_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    # a share of the time limit too short for HiGHS to find anything (1 ns): each window
    # keeps its warm start, and the result says how many did (the example's year kept
    # 161 of 366 at the default 60 s, flat at full power through a DR event and 4CP peak)
    import hashpivot.power.lp.rolling as rolling
    from hashpivot.reports.tables.dispatch import note_lines

    monkeypatch.setattr(rolling, "window_limit", lambda *a: 1e-9)
    monkeypatch.setattr(rolling, "RETRY_FRACTION", 0.0)
    n = 48
    prob = _problem(n, _prices(n), np.ones((n, 2), dtype=bool), min_up_intervals=3)
    got = solve(prob, "lp", window_hours=10.0, lookahead_hours=2.0)
    assert got.report.n_windows == 5 and got.report.n_windows_unimproved == 5
    summary = got.summary()
    assert summary["windows"] == 5 and summary["windows_unimproved"] == 5
    assert any(line.startswith("5 of 5 rolling-horizon windows kept their starting")
               for line in note_lines(summary))
    monkeypatch.undo()
    free = solve(prob, "lp", window_hours=10.0, lookahead_hours=2.0)
    assert free.report.n_windows_unimproved == 0 and free.report.status == "ok"


def test_the_kept_online_floor_rises_from_the_state_before_a_window() -> None:
    # machines installed at hour 18, a window beginning at hour 20 (no look-ahead): the
    # floor, rising 1 MW an hour to the 5 MW kept online, was the whole 5 MW in the
    # window's first interval, 3 MW over the mining carried over the cut (2 MW) against a
    # 1 MW ramp; it rises from that mining (tranches that run down to 5 % of their power)
    n = 40
    installed = np.ones((n, 2), dtype=bool)
    installed[:18] = False
    low = (Tranche("a", 10.0, 10.0 * 1e3 / 18.0, 0.05, 0.05),
           Tranche("b", 8.0, 8.0 * 1e3 / 25.0, 0.05, 0.05))
    prob = _problem(n, np.full(n, 500.0), installed, tranches=low, ramp_mw_per_interval=1.0,
                    dr_committed_mw=5.0, dr_keep_online=True, dr_withdrawable=False,
                    min_up_intervals=2)
    got = solve(prob, "lp", window_hours=10.0, lookahead_hours=0.0)
    assert got.report.n_windows == 4
    mining = got.schedule.segment_mw.sum(axis=1)
    assert mining[:18].max() == 0.0
    assert mining[18:24] == pytest.approx([1.0, 2.0, 3.0, 4.0, 5.0, 5.0], abs=1e-6)


def test_a_kept_online_commitment_ramps_down_ahead_of_a_retirement() -> None:
    # a second review's case: the only tranche (10 MW) retires at hour 12, 5 MW kept
    # online, a 2 MW ramp, the LP (no binaries): the floor fell from 5 MW to nothing in
    # one interval, which the ramp forbade, so the LP was infeasible; mining ramps down
    # to what will be left
    n = 24
    installed = np.ones((n, 1), dtype=bool)
    installed[12:] = False
    one = (Tranche("a", 10.0, 10.0 * 1e3 / 18.0, 0.6, 0.7),)
    prob = _problem(n, np.full(n, 20.0), installed, tranches=one, ramp_mw_per_interval=2.0,
                    dr_committed_mw=5.0, dr_keep_online=True, dr_withdrawable=False)
    assert prob.mining_floor_mw()[8:14] == pytest.approx([5, 5, 4, 2, 0, 0])
    got = solve(prob, "lp")
    mining = got.schedule.segment_mw.sum(axis=1)
    assert (mining[8:12] >= prob.mining_floor_mw()[8:12] - 1e-6).all()
    assert np.abs(np.diff(mining)).max() <= 2.0 + 1e-6 and mining[12:].max() == 0.0


def test_retiring_an_idle_tranche_frees_no_other_from_the_ramp() -> None:
    # a second review's case: b (20 MW, 80 J/TH) never pays and never runs; its
    # retirement at hour 12, where power costs 300 USD/MWh, widened the site's ramp by its
    # 20 MW, so a (100 MW) stepped 10 MW down there under a 2 MW ramp and the retirement
    # of an idle tranche raised the margin (156,973.61 against 156,495.28 USD). What a
    # leaving tranche drew is let go; the others keep the ramp.
    n = 24
    prices = np.full(n, 40.0)
    prices[12] = 300.0
    tranches = (Tranche("a", 100.0, 100.0 * 1e3 / 18.0, 0.6, 0.7),
                Tranche("b", 20.0, 20.0 * 1e3 / 80.0, 0.6, 0.7))
    margins = []
    for retire in (False, True):
        installed = np.ones((n, 2), dtype=bool)
        if retire:
            installed[12:, 1] = False
        prob = _problem(n, prices, installed, tranches=tranches, ramp_mw_per_interval=2.0,
                        min_up_intervals=2)
        got = solve(prob, "lp", window_hours=None, mip_gap=1e-9)
        by_tranche = got.schedule.mining_by_tranche_mw(prob)
        assert by_tranche[:, 1].max() == 0.0 and by_tranche[:, 0].min() > 0  # a runs
        assert np.abs(np.diff(by_tranche[:, 0])).max() <= 2.0 + 1e-6
        margins.append(got.objective_usd)
    assert margins[1] == pytest.approx(margins[0], rel=1e-9)


def test_with_binaries_the_floor_keeps_the_commitment_up_to_a_retirement() -> None:
    # a third review's case: two 40 MW tranches, 50 MW kept online, a 1 MW ramp, b
    # retiring at hour 8. With binaries the fleet rows let b's draw go at its retirement,
    # so nothing needs to ramp down ahead of it; the floor did (48, 47, ... 41 MW), and
    # the MILP mined below the 50 MW it was paid readiness on
    n = 12
    installed = np.ones((n, 2), dtype=bool)
    installed[8:, 1] = False
    two = (Tranche("a", 40.0, 40.0 * 1e3 / 18.0, 0.5, 0.6),
           Tranche("b", 40.0, 40.0 * 1e3 / 25.0, 0.5, 0.6))
    prob = _problem(n, np.full(n, 300.0), installed, tranches=two, ramp_mw_per_interval=1.0,
                    dr_committed_mw=50.0, dr_keep_online=True, dr_withdrawable=False,
                    min_up_intervals=2)
    assert prob.mining_floor_mw(milp=True).tolist() == [50.0] * 8 + [40.0] * 4
    assert prob.mining_floor_mw()[7] < 50.0  # without binaries mining ramps down first
    got = solve(prob, "lp", window_hours=None)
    mining = got.schedule.segment_mw.sum(axis=1)
    assert (mining >= np.r_[[50.0] * 8, [40.0] * 4] - 1e-6).all()


def test_each_window_holds_the_horizon_s_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    # a third review's case: a window's floor climbed from the mining before its cut,
    # above the horizon's where the schedule mined over the floor, so the windows held a
    # stricter commitment than the problem (and cut off its optimum); each window now
    # takes its slice of the horizon's floor
    import hashpivot.power.lp.rolling as rolling

    n = 40
    event = np.zeros(n, dtype=bool)
    event[8:14] = True
    prob = _problem(n, _prices(n), np.ones((n, 2), dtype=bool), ramp_mw_per_interval=1.0,
                    dr_committed_mw=6.0, dr_keep_online=True, dr_withdrawable=False,
                    dr_event_series=event,
                    min_up_intervals=2)
    whole = prob.mining_floor_mw(milp=True)
    seen: list[tuple[int, np.ndarray]] = []
    real = rolling.build_model

    def spy(sub: DispatchProblem, *a: object) -> object:
        start = int(np.flatnonzero(prob.index == sub.index[0])[0])
        seen.append((start, sub.mining_floor_mw(milp=True)))
        return real(sub, *a)  # type: ignore[arg-type]

    monkeypatch.setattr(rolling, "build_model", spy)
    solve(prob, "lp", window_hours=10.0, lookahead_hours=2.0)
    assert len(seen) == 4
    for start, floor in seen:
        assert floor == pytest.approx(whole[start:start + floor.size])
    with pytest.raises(Exception, match="more than one span"):
        gap = np.ones((n, 2), dtype=bool)
        gap[5:9, 0] = False
        _problem(n, _prices(n), gap)
