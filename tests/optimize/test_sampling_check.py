"""Whether a plan's scenarios are enough to act on its value over keep-mining
(:func:`hashpivot.optimize.results.sampling_check`), by hand and against scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hashpivot.optimize.results import sampling_check
from hashpivot.reports.tables.optimize import sampling_lines, summary_lines
from tests.optimize_result import plan_result_json

# two paths a side: mean 2, sample variance 2, so the out-of-sample 95 % interval is
# mean +- 1.96 sqrt(2) / sqrt(2) = mean +- 1.96 and the difference's standard error
# sqrt(2/2 + 2/2) = sqrt(2)


@pytest.mark.parametrize(
    ("inside", "outside", "verdict", "fitted"),
    [
        ([1.0, 3.0], [0.0, 2.0], "not significant", False),  # 1 +- 1.96 contains 0
        ([1.0, 3.0], [10.0, 12.0], "gain", False),  # 11 +- 1.96 above 0
        ([1.0, 3.0], [-12.0, -10.0], "loss", True),  # -11 +- 1.96 below 0; 13 > 2.77
        ([20.0, 22.0], [0.0, 2.0], "not significant", True),  # 20 > 1.96 sqrt(2)
        ([3.0, 5.0], [0.0, 2.0], "not significant", True),  # 3 > 2.77: just
        ([2.5, 4.5], [0.0, 2.0], "not significant", False),  # 2.5 < 2.77: just not
    ],
)
def test_verdicts_by_hand(inside: list[float], outside: list[float], verdict: str,
                          fitted: bool) -> None:
    check = sampling_check(np.array(inside), np.array(outside))
    assert check["verdict"] == verdict
    assert check["fitted"] is fitted
    assert check["optimism_usd"] == pytest.approx(np.mean(inside) - np.mean(outside))
    assert check["optimism_se_usd"] == pytest.approx(np.sqrt(2.0))
    assert (check["n_in_sample"], check["n_out_of_sample"]) == (2, 2)


def test_the_standard_error_is_welchs() -> None:
    rng = np.random.default_rng(3)
    inside = rng.lognormal(18.0, 1.0, 100)
    outside = rng.lognormal(17.8, 1.2, 250)
    check = sampling_check(inside, outside)
    welch = stats.ttest_ind(inside, outside, equal_var=False)
    assert check["optimism_usd"] / check["optimism_se_usd"] == pytest.approx(welch.statistic)
    assert check["fitted"] is bool(welch.statistic > 1.96)


def test_one_path_gives_no_verdict() -> None:
    check = sampling_check(np.array([5.0]), np.array([5.0]))
    assert check["verdict"] is None and check["fitted"] is False
    assert sampling_lines({"sampling_check": check}) == []


def test_the_summary_says_when_the_gain_is_not_significant_or_fitted() -> None:
    j = plan_result_json()
    assert not any("significant" in line for line in summary_lines(j))  # stored before
    j["sampling_check"] = {"verdict": "not significant", "n_in_sample": 100,
                           "n_out_of_sample": 100, "optimism_usd": 45.7e6,
                           "optimism_se_usd": 20.0e6, "fitted": True}
    lines = summary_lines(j)
    assert lines[3] == (
        "warning: out of sample the plan's value over keep-mining is not significant (its "
        "95 % interval contains 0): the plan may not beat keep-mining; run more scenarios "
        "before acting on it (4 times as many, 400, halve the interval)")
    assert lines[4] == (
        "warning: in sample the plan's value over keep-mining is 45.7 M USD above the "
        "out-of-sample value (more than 1.96 standard errors of 20.0): the plan is fitted "
        "to its 100 scenarios; run more scenarios before acting on it (4 times as many, "
        "400, halve the interval)")
    j["sampling_check"] |= {"verdict": "gain", "fitted": False}
    assert summary_lines(j)[3] == ("out of sample the plan beats keep-mining (the 95 % "
                                   "interval of its value over keep-mining lies above 0)")
    j["sampling_check"]["verdict"] = "loss"
    assert summary_lines(j)[3].startswith("warning: out of sample the plan loses to "
                                          "keep-mining")


def test_a_deterministic_run_claims_no_out_of_sample_estimate() -> None:
    j = plan_result_json()
    j["assumptions"]["deterministic"] = True
    lines = summary_lines(j)
    assert lines[1] == ("no out-of-sample estimate: a deterministic run values one scenario, "
                        "every volatility zero")
    assert not any("out of sample (" in line or "another seed" in line for line in lines)
