"""The resolved-assumptions table at any terminal width: nothing cropped, nothing cut with
"…" (rich crops a table laid out wider than the console without saying so), no number
folded across two lines ("1,018,928,04" over "0")."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from hashpivot.cli.tables import print_assumptions
from hashpivot.engines.pivot import run_pivot
from hashpivot.models import load_portfolio
from hashpivot.reports.tables.formats import fmt_assumption

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module", params=["pivot-200mw.toml", "portfolio.toml"])
def rows(request: pytest.FixtureRequest) -> list[dict[str, object]]:
    portfolio = load_portfolio(EXAMPLES / request.param)
    return run_pivot(portfolio, deals=None).resolved_assumptions()


@pytest.mark.parametrize("width", [72, 80, 100, 120, 160])
def test_every_word_of_every_cell_is_printed_whole(rows: list[dict[str, object]],
                                                   width: int) -> None:
    console = Console(width=width, record=True, no_color=True)
    with console.capture() as cap:
        print_assumptions(rows, console)
    out = cap.get()
    assert max(len(line.rstrip()) for line in out.splitlines()) <= width
    assert "…" not in out
    words = set(out.split())
    for row in rows:
        # names may fold inside a word; sources and values wrap at spaces, and a word of
        # more than 16 characters (the widest a column keeps whole: a rule's id such as
        # ny_pow_moratorium_extension_hypothetical, which the example's rules file adds)
        # folds when the terminal is too narrow for it
        for cell in (row["source"], row["unit"], fmt_assumption(row["value"])):
            for word in str(cell).split():
                if len(word) <= 16 or width >= 160:
                    assert word in words, (width, row["name"], word)
    # nothing lost: every character of every cell is printed, in order
    flat = "".join(out.split())
    for row in rows:
        for cell in (row["source"], fmt_assumption(row["value"])):
            for word in str(cell).split():
                if len(word) > 16:
                    assert all(part in flat for part in (word[:16], word[16:])), word
