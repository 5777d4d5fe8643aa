"""The strategy rows that ``pivot`` and ``simulate`` print and the dashboard shows
(hashpivot.reports.tables.strategies), on hand-made results."""

from __future__ import annotations

from typing import Any

from hashpivot.reports.tables.strategies import (
    MC_ERROR_NOTE,
    pivot_rows,
    share_error_note,
    simulate_rows,
    switching_line,
)
from hashpivot.reports.tables.treasury import (
    EX_CAPEX_NOTE,
    FORCED_SALE_NOTE,
    MATERIAL_FORCED_SALE_BTC,
    forced_sale_price_cell,
    policy_rows,
)


def test_forced_sale_price_only_when_material() -> None:
    """The average forced-sale price [USD/BTC] is shown only from 1 BTC expected sold: an
    average over 0.006 BTC (issue 11: 2.46 M USD beside 'E[BTC sold] 0.0') is a dash."""
    assert MATERIAL_FORCED_SALE_BTC == 1.0
    assert forced_sale_price_cell(0.006, 2_460_000.0) == "—"
    assert forced_sale_price_cell(0.0, float("nan")) == "—"
    assert forced_sale_price_cell(float("nan"), 90_000.0) == "—"
    assert forced_sale_price_cell(None, 90_000.0) == "—"  # JSON null
    assert forced_sale_price_cell(1.0, 101_495.4) == "101,495"
    assert forced_sale_price_cell(442.3, 392_158.0) == "392,158"


def _pivot(npv: float, irr: float | None, **extra: Any) -> dict[str, Any]:
    return {"converted_gross_mw": 100.0, "npv_usd": npv, "npv_vs_baseline_usd": npv - 1e8,
            "irr_fraction": irr, "payback_months": 81.91, "npv_levered_usd": None,
            "contracted_backlog_usd": 1_703_043_547.4, **extra}


def test_pivot_rows_by_hand() -> None:
    rows = pivot_rows([_pivot(1e8, None), _pivot(328_810_615.1, 0.1512)], taxed=False,
                      levered=False)
    by = {r[0]: r for r in rows}
    assert by["NPV"] == ("NPV", "M USD", ["100.0", "328.8"])
    assert by["NPV vs keep"][2] == ["0.0", "228.8"]
    assert by["IRR (incremental)"] == ("IRR (incremental)", "%/yr", ["-", "15.1"])
    assert by["payback (incr.)"][2] == ["81.9", "81.9"]
    assert by["backlog, contracted"][2] == ["1,703.0", "1,703.0"]
    assert by["MW converted (gross)"][2] == ["100", "100"]
    assert by["TV, present value"][2] == ["-", "-"]  # not in the results: a dash
    # no [pivot.tax], no [financing]: those rows are left out
    assert not any("tax" in r[0] or "levered" in r[0] for r in rows)
    full = pivot_rows([_pivot(1e8, 0.1, npv_after_tax_usd=7e7, npv_levered_usd=5e7)],
                      taxed=True, levered=True)
    labels = [r[0] for r in full]
    assert "NPV after tax" in labels and "NPV levered" in labels
    assert dict((r[0], r[2]) for r in full)["NPV levered"] == ["50.0"]


def _stats(sold: float | None, **extra: Any) -> dict[str, Any]:
    return {"npv_mean_usd": 391.8e6, "npv_p5_usd": -16.9e6, "prob_beats_baseline": 0.811,
            "prob_forced_sale": 0.708, "prob_forced_sale_without_capex": 0.466,
            "expected_forced_sale_btc": sold, "forced_sale_avg_price_usd": 409_033.2,
            "end_btc_mean": 3066.6, **extra}


def test_simulate_rows_by_hand() -> None:
    rows, notes = simulate_rows([_stats(221.2), _stats(0.3)], treasury_given=True)
    by = {r[0]: r[2] for r in rows}
    assert by["NPV mean"] == ["391.8", "391.8"]
    assert by["NPV P5"] == ["-16.9", "-16.9"]
    assert by["P(beats keep)"] == ["81.1", "81.1"]
    assert by["P(forced sale)"] == ["70.8", "70.8"]
    assert by["P(forced sale), ex capex"] == ["46.6", "46.6"]
    assert by["E[BTC sold, duress]"] == ["221.2", "0.3"]
    assert by["avg forced-sale price"] == ["409,033", "—"]
    assert by["BTC held at end, mean"] == ["3,067", "3,067"]
    assert "NPV after tax, mean" not in by  # no after-tax keys: no after-tax rows
    assert notes[:2] == [FORCED_SALE_NOTE, EX_CAPEX_NOTE]
    assert "'—' where E[BTC sold] < 1 BTC" in notes[2]
    # the note says what a forced sale, a breach and the expected sale count
    for words in ("P(forced sale) = share of paths with at least one month",
                  "below [treasury] min_cash_usd", "P(liquidity breach) = share of paths",
                  "mean over every path"):
        assert words in notes[0]
    rows, notes = simulate_rows([_stats(221.2, npv_after_tax_mean_usd=2.885e8)],
                                treasury_given=True)
    assert dict((r[0], r[2]) for r in rows)["NPV after tax, mean"] == ["288.5"]
    assert notes == [FORCED_SALE_NOTE, EX_CAPEX_NOTE]  # every sale material: no dashes
    rows, notes = simulate_rows([_stats(None)], treasury_given=False)
    assert rows[-1] == ("treasury", "", ["none given"]) and notes == []
    assert not any(r[0].startswith("P(forced") for r in rows)


def test_monte_carlo_errors_under_their_means_by_hand() -> None:
    errors = {"npv_mean_ci95_half_usd": 10.84e6, "prob_beats_baseline_ci95_half": 0.0054,
              "npv_vs_baseline_mean_ci95_half_usd": 10.8e6}
    keep = _stats(221.2, **{**errors, "npv_vs_baseline_mean_ci95_half_usd": 0.0},
                  npv_vs_baseline_mean_usd=0.0)
    gain = _stats(0.0, **errors, npv_vs_baseline_mean_usd=134.1e6)
    rows, notes = simulate_rows([keep, gain], treasury_given=True)
    labels = [r[0] for r in rows]
    for mean in ("NPV mean", "P(beats keep)", "NPV vs keep, mean"):
        error = mean.removesuffix(", mean") + " ±"
        assert labels.index(error) == labels.index(mean) + 1  # right under its mean
    by = {r[0]: r[2] for r in rows}
    assert by["NPV mean ±"] == ["10.8", "10.8"]
    assert by["P(beats keep) ±"] == ["0.5", "0.5"]
    assert by["NPV vs keep ±"] == ["0.0", "10.8"]
    assert notes[0] == MC_ERROR_NOTE  # 134.1 > 10.8: settled
    assert notes[1:3] == [FORCED_SALE_NOTE, EX_CAPEX_NOTE]
    # a mean gain within its error: the note says the paths do not settle it
    small = _stats(0.0, **errors, npv_vs_baseline_mean_usd=-9.0e6)
    _, notes = simulate_rows([keep, small], treasury_given=False)
    assert notes[0] == MC_ERROR_NOTE and notes[1].startswith(
        "where 'NPV vs keep ±' is as large as the mean, these paths do not settle whether")
    # ... and the gain with the terminal value, in the same note
    tv = {"npv_with_tv_vs_baseline_mean_usd": 30.0e6,
          "npv_with_tv_vs_baseline_mean_ci95_half_usd": 41.0e6}
    _, notes = simulate_rows([keep, _stats(0.0, **errors, **tv)], treasury_given=False)
    assert notes[1].startswith("where 'NPV with TV vs keep ±' is as large as the mean")
    rows, notes = simulate_rows([keep, _stats(0.0, **{**errors, **tv},
                                              npv_vs_baseline_mean_usd=-9.0e6)],
                                treasury_given=False)
    assert notes[1].startswith("where 'NPV vs keep ± / NPV with TV vs keep ±' is as large")
    labels = [r[0] for r in rows]
    assert labels.index("NPV with TV vs keep ±") == labels.index(
        "NPV with TV vs keep, mean") + 1
    # with the run's paths, a bound on every share's error: 1.96 x 0.5 / sqrt(20,000)
    _, notes = simulate_rows([keep, gain], treasury_given=True, n_paths=20_000)
    assert notes[1] == share_error_note(20_000) == (
        "every P(...) over 20,000 paths is within ± 0.7 points of the model's probability "
        "(95 %; the most, at 50 %)")
    assert share_error_note(200).startswith("every P(...) over 200 paths is within ± 6.9 ")
    # results stored before the errors: no ± rows, no note
    rows, notes = simulate_rows([_stats(221.2)], treasury_given=True)
    assert not any(r[0].endswith("±") for r in rows) and MC_ERROR_NOTE not in notes
    # results stored with the means' errors but before the tail's: no tail ± rows
    assert not any(r[0] in ("NPV P5 ±", "CVaR95 ±") for r in
                   simulate_rows([keep, gain], treasury_given=True)[0])


def test_monte_carlo_errors_of_the_tail_under_their_figures() -> None:
    tail = {"npv_mean_ci95_half_usd": 10.84e6, "npv_p5_ci95_half_usd": 3.46e6,
            "cvar95_ci95_half_usd": 4.14e6}
    rows, notes = simulate_rows([_stats(221.2, **tail)], treasury_given=False)
    labels = [r[0] for r in rows]
    for figure in ("NPV P5", "CVaR95"):
        assert labels.index(figure + " ±") == labels.index(figure) + 1
    by = {r[0]: r[2] for r in rows}
    assert by["NPV P5 ±"] == ["3.5"] and by["CVaR95 ±"] == ["4.1"]
    assert notes[0] == MC_ERROR_NOTE and "order statistics" in MC_ERROR_NOTE
    # 200 paths leave 10 in the tail: the CVaR's interval is too narrow, and says so; 400
    # leave 20, enough
    _, notes = simulate_rows([_stats(221.2, **tail)], treasury_given=False, n_paths=200)
    assert notes[-1] == ("CVaR95 ± over 200 paths rests on the worst 10: too few for its "
                         "interval (asymptotic), which is too narrow; run 400 paths or more")
    _, notes = simulate_rows([_stats(221.2, **tail)], treasury_given=False, n_paths=400)
    assert not any("rests on the worst" in n for n in notes)
    # the expected forced sale's error, right under it; the average price still stands
    # before the last two rows
    rows, _ = simulate_rows([_stats(221.2, expected_forced_sale_btc_ci95_half=21.36)],
                            treasury_given=True)
    labels = [r[0] for r in rows]
    assert labels.index("E[BTC sold, duress] ±") == labels.index("E[BTC sold, duress]") + 1
    assert labels[-3:] == ["avg forced-sale price", "lowest cash, P5", "BTC held at end, mean"]
    assert dict((r[0], r[2]) for r in rows)["E[BTC sold, duress] ±"] == ["21.4"]
    assert "E[BTC sold, duress] ±" not in [r[0] for r in simulate_rows(
        [_stats(221.2)], treasury_given=True)[0]]  # stored before it
    # the ex-capex sale's and lowest cash P5's errors, each under its figure; the average
    # price still right before lowest cash
    rows, _ = simulate_rows([_stats(221.2, expected_forced_sale_without_capex_btc=151.0,
                                    expected_forced_sale_without_capex_btc_ci95_half=5.04,
                                    lowest_cash_p5_usd=-12.3e6,
                                    lowest_cash_p5_ci95_half_usd=0.84e6)], treasury_given=True)
    labels = [r[0] for r in rows]
    for figure in ("E[BTC sold], ex capex", "lowest cash, P5"):
        assert labels.index(figure + " ±") == labels.index(figure) + 1, figure
    assert labels[-4:] == ["avg forced-sale price", "lowest cash, P5", "lowest cash, P5 ±",
                           "BTC held at end, mean"]
    by = dict((r[0], r[2]) for r in rows)
    assert by["E[BTC sold], ex capex ±"] == ["5.0"] and by["lowest cash, P5 ±"] == ["0.8"]


def test_monte_carlo_errors_of_the_npv_with_tv_and_after_tax_under_their_figures() -> None:
    errors = {"npv_mean_ci95_half_usd": 10.84e6,
              "npv_with_tv_mean_usd": 5.1e8, "npv_with_tv_mean_ci95_half_usd": 12.34e6,
              "npv_with_tv_p5_usd": 1.2e8, "npv_with_tv_p5_ci95_half_usd": 4.56e6,
              "prob_beats_baseline_with_tv": 0.853,
              "prob_beats_baseline_with_tv_ci95_half": 0.0069,
              "npv_after_tax_mean_usd": 3.0e8, "npv_after_tax_mean_ci95_half_usd": 7.89e6,
              "npv_after_tax_p5_usd": 0.9e8, "npv_after_tax_p5_ci95_half_usd": 2.5e6,
              "prob_beats_baseline_after_tax": 0.749,
              "prob_beats_baseline_after_tax_ci95_half": 0.012}
    rows, _ = simulate_rows([_stats(221.2, **errors)], treasury_given=False)
    labels = [r[0] for r in rows]
    by = {r[0]: r[2] for r in rows}
    for figure, shown in (("NPV with TV, mean", "12.3"), ("NPV with TV, P5", "4.6"),
                          ("P(beats keep), TV", "0.7"), ("NPV after tax, mean", "7.9"),
                          ("NPV after tax, P5", "2.5"), ("P(beats keep), tax", "1.2")):
        assert labels.index(figure + " ±") == labels.index(figure) + 1, figure
        assert by[figure + " ±"] == [shown], figure
    # stored before these errors (or pre-tax): no such ± rows
    old = {k: v for k, v in errors.items() if "ci95" not in k or k.startswith("npv_mean")}
    labels = [r[0] for r in simulate_rows([_stats(221.2, **old)], treasury_given=False)[0]]
    assert "NPV with TV, mean" in labels and "NPV with TV, mean ±" not in labels
    assert "P(beats keep), tax" in labels and "P(beats keep), tax ±" not in labels


def test_policy_rows_by_hand() -> None:
    by = {"keep_mining": {"sell_to_cover": 221.24, "hold": 2039.6, "sell_all": None},
          "phased": {"sell_to_cover": 0.0, "hold": 120.66, "sell_all": 0.0}}
    assert policy_rows(by, ["sell_to_cover", "hold", "sell_all"]) == [
        ("keep_mining", "221.2", "2,039.6", "-"),
        ("phased", "0.0", "120.7", "0.0"),
    ]


def test_switching_line_by_hand() -> None:
    def row(label: str, unit: str, lo: float, hi: float, flip: float,
            flip_tv: float = float("nan")) -> dict[str, Any]:
        return {"label": label, "unit": unit, "npv_vs_baseline_low_usd": lo,
                "npv_vs_baseline_high_usd": hi, "switching_input": flip,
                "npv_with_tv_vs_baseline_low_usd": abs(lo) + 1.0,
                "npv_with_tv_vs_baseline_high_usd": abs(hi) + 1.0,
                "switching_with_tv_input": flip_tv}
    rows = [row("capex per IT MW", "USD/MW", 331e6, -401e6, 8.785e6),
            row("BTC price at start", "USD", 22e6, -104e6, 90_251.2),
            row("PUE", "-", -37e6, -33e6, float("nan"))]
    assert switching_line(rows, "phased") == (
        "switching values (NPV(phased) - NPV(keep_mining) = 0, the other inputs at base): "
        "capex per IT MW at 8.79 M USD/MW (the pivot ahead below it); BTC price at start at "
        "90,251 USD (the pivot ahead below it); every other range keeps its sign")
    rows[1] |= {"npv_vs_baseline_low_usd": -22e6, "npv_vs_baseline_high_usd": 104e6}
    assert "BTC price at start at 90,251 USD (the pivot ahead above it)" in str(
        switching_line(rows, "phased"))
    assert switching_line(rows, "phased", with_terminal_value=True) == (
        "NPV(phased) - NPV(keep_mining) with TV stays positive at every tornado variable's "
        "low and high input: no switching value")
    assert switching_line([{k: v for k, v in rows[0].items() if "switching" not in k}],
                          "phased") is None  # a tornado stored before switching values


def test_switching_line_with_an_empty_cell() -> None:
    """A discount rate at or below a Gordon growth leaves its tornado cells empty (NaN):
    the line still says the verdict holds where every other end keeps its sign, and names
    the cell that has no value, and why; with a switching value the line names it too."""
    nan = float("nan")

    def row(variable: str, label: str, lo: float, hi: float, flip: float = nan
            ) -> dict[str, Any]:
        return {"variable": variable, "label": label, "unit": "-",
                "npv_vs_baseline_low_usd": lo, "npv_vs_baseline_high_usd": hi,
                "switching_input": flip, "npv_with_tv_vs_baseline_low_usd": lo,
                "npv_with_tv_vs_baseline_high_usd": hi, "switching_with_tv_input": flip}
    rows = [row("pue", "PUE", 37e6, 33e6), row("discount_rate", "discount rate", nan, 20e6)]
    assert switching_line(rows, "phased") == (
        "NPV(phased) - NPV(keep_mining) stays positive at every tornado variable's low and "
        "high input: no switching value; no value at the discount rate's low input (a "
        "terminal value by Gordon growth has none at a rate at or below its growth)")
    rows[0] |= {"npv_vs_baseline_high_usd": -5e6, "switching_input": 1.3}
    assert switching_line(rows, "phased") == (
        "switching values (NPV(phased) - NPV(keep_mining) = 0, the other inputs at base): "
        "PUE at 1.3 (the pivot ahead below it); every other range keeps its sign; no value "
        "at the discount rate's low input (a terminal value by Gordon growth has none at a "
        "rate at or below its growth)")
    rows[1] |= {"npv_vs_baseline_high_usd": -20e6}  # the defined ends disagree: no line
    rows[0] |= {"npv_vs_baseline_high_usd": 33e6, "switching_input": nan}
    assert switching_line(rows, "phased") is None


def test_a_run_stored_before_the_lowest_cash_rename_shows_its_figure() -> None:
    """``min_cash_*`` (until 2026-12-05) is read as ``lowest_cash_*``."""
    from hashpivot.reports.tables.strategies import simulate_rows

    old = {"npv_mean_usd": 1e6, "min_cash_p5_usd": -12.3e6, "prob_forced_sale": 0.1}
    new = {"npv_mean_usd": 1e6, "lowest_cash_p5_usd": -12.3e6, "prob_forced_sale": 0.1}
    a, _ = simulate_rows([old], treasury_given=True)
    b, _ = simulate_rows([new], treasury_given=True)
    assert a == b
    assert [r for r in a if r[0] == "lowest cash, P5"] == [
        ("lowest cash, P5", "M USD", ["-12.3"])]



def test_every_treasury_share_has_its_error_under_it() -> None:
    """P(forced sale), P(liquidity breach) and their ex-capex rows have a ``±`` row right
    under them, as P(beats keep) (the Wilson ends, ``*_ci95_half``); a run stored before
    them shows none."""
    errors = {"prob_forced_sale_ci95_half": 0.0038, "prob_forced_sale_without_capex_ci95_half":
              0.0098, "prob_liquidity_breach_ci95_half": 0.0029,
              "prob_liquidity_breach_without_capex_ci95_half": 0.0029,
              "prob_liquidity_breach": 0.022, "prob_liquidity_breach_without_capex": 0.022}
    rows, _ = simulate_rows([_stats(221.2, **errors)], treasury_given=True)
    labels = [r[0] for r in rows]
    by = {r[0]: r[2] for r in rows}
    for share in ("P(forced sale)", "P(forced sale), ex capex", "P(liquidity breach)",
                  "P(breach), ex capex"):
        assert labels.index(f"{share} ±") == labels.index(share) + 1, share
    assert by["P(forced sale) ±"] == ["0.4"]
    assert by["P(forced sale), ex capex ±"] == ["1.0"]
    assert by["P(breach), ex capex ±"] == ["0.3"]
    old, _ = simulate_rows([_stats(221.2)], treasury_given=True)
    assert not any(r[0].startswith("P(") and r[0].endswith("±") for r in old)


def test_forced_sales_that_fund_the_capex_are_said_to() -> None:
    """examples/pivot-200mw.toml: convert_all sells BTC under duress on every path, all of
    it to pay its halls' capex (net of project debt) from the treasury (0 % ex capex);
    read alone, '100.0 %' alarms. A note by the strategy's name says so, with the BTC and
    USD sold on average; keep_mining's are partly the capex's (fleet replacement); a
    strategy whose capex changes nothing has no note."""
    convert = _stats(83.2, prob_forced_sale=1.0, prob_forced_sale_without_capex=0.0,
                     expected_forced_sale_without_capex_btc=0.0,
                     expected_forced_sale_usd=8.65e6)
    keep = _stats(219.1, prob_forced_sale=0.694, prob_forced_sale_without_capex=0.466,
                  expected_forced_sale_without_capex_btc=152.1,
                  expected_forced_sale_usd=78.4e6)
    calm = _stats(0.0, prob_forced_sale=0.0, prob_forced_sale_without_capex=0.0,
                  expected_forced_sale_without_capex_btc=0.0, expected_forced_sale_usd=0.0)
    _, notes = simulate_rows([keep, convert, calm], treasury_given=True,
                             names=["keep_mining", "convert_all", "phased"])
    convert_note = next(n for n in notes if n.startswith("convert_all:"))
    for words in ("every forced sale", "100.0 % of paths", "halls' construction",
                  "from the treasury", "83.2 BTC", "8.7 M USD", "on average",
                  "none with the capex paid from outside it"):
        assert words in convert_note, words
    keep_note = next(n for n in notes if n.startswith("keep_mining:"))
    for words in ("fleet replacement", "46.6 % to 69.4 %", "152.1 to 219.1 BTC",
                  "78.4 M USD"):
        assert words in keep_note, words
    assert "halls" not in keep_note
    assert not any(n.startswith("phased:") for n in notes)
    # without names (or a run stored without the proceeds) no such note
    _, notes = simulate_rows([keep, convert], treasury_given=True)
    assert not any(n.startswith(("convert_all:", "keep_mining:")) for n in notes)


def test_a_share_error_that_rounds_to_zero_is_not_printed_as_zero() -> None:
    """At 10,000 paths with no forced sale the Wilson ± is 0.04 points: the ± row shows
    "<0.1" (it showed "0.0", certainty); a share of exactly zero still shows "0.0"."""
    from hashpivot.sampling_error import max_share_ci95_half, share_ci95_half

    none = _stats(0.0, npv_mean_ci95_half_usd=1e6, prob_forced_sale=0.0,
                  prob_forced_sale_ci95_half=share_ci95_half(0.0, 10_000),
                  prob_beats_baseline_ci95_half=max_share_ci95_half(10_000))
    rows, _ = simulate_rows([none], treasury_given=True, n_paths=10_000)
    by = {r[0]: r[2] for r in rows}
    assert by["P(forced sale)"] == ["0.0"]
    assert by["P(forced sale) ±"] == ["<0.1"]
    assert by["P(beats keep) ±"] == ["1.0"]
