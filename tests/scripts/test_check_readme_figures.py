"""The docs' figures check (``scripts/check_readme_figures.py``): how a claim is found in
the text and reported, without running the commands."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import check_readme_figures as C  # noqa: N812


def test_a_figure_may_be_a_number_or_words() -> None:
    numbers = C._template_regex("| NPV | M USD | {} | {} |")
    assert numbers.search("x | NPV | M USD | 1,234.5 | -3 | y").groups() == ("1,234.5", "-3")
    words = C._template_regex("on 100 scenarios the gain is {} and the summary warns")
    found = words.search("M: on 100 scenarios the gain is not significant and the summary "
                         "warns of it")
    assert found is not None and found.group(1) == "not significant"


def test_a_claim_that_no_longer_holds_is_reported_as_differing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "README.md").write_text("the gain is not significant and the summary warns\n")
    monkeypatch.setattr(C, "REPO", tmp_path)
    monkeypatch.setattr(C, "_run", lambda name: {"sampling_check": {"verdict": "gain"}})
    monkeypatch.setattr(C, "CLAIMS", [C.Claim("the gain is {} and the summary warns",
                                              "optimize", (C._verdict,))])
    assert C._check() == 1
    out = capsys.readouterr().out
    assert "DIFFERS README.md: the gain is not significant and the summary warns" in out
    assert "now: the gain is gain and the summary warns" in out
    monkeypatch.setattr(C, "_run", lambda name: {"sampling_check": {
        "verdict": "not significant"}})
    assert C._check() == 0
