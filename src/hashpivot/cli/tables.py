"""Terminal tables that fit the console (80 columns and up) without cutting a number.

Every command prints through :func:`make_console` (width read from ``COLUMNS`` when the
command runs) and builds its tables with :func:`compact_table`. Tables with one column per
strategy go through :func:`print_strategy_table`, which splits the strategy columns into as
many tables as the width needs, each repeating the quantity and unit columns, so no value
and no header is ever truncated with "…". Adaptive units (:func:`hashrate_with_unit`,
:func:`btc_with_unit`) keep one machine and a 700 MW fleet readable in the same table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from hashpivot.reports.tables.formats import (
    btc_with_unit,
    fmt_assumption,
    fmt_number,
    hashrate_with_unit,
)

__all__ = [
    "btc_with_unit",
    "compact_table",
    "fmt_number",
    "hashrate_with_unit",
    "make_console",
    "print_strategy_table",
    "quantity_table",
]


def make_console() -> Console:
    """A stdout console whose width is the terminal's (or ``COLUMNS``) at call time."""
    return Console(highlight=False)


def compact_table(title: str | None = None, caption: str | None = None, **kwargs: object) -> Table:
    """A table with a header rule only (no side borders): 4 to 6 columns fit 80 columns.

    Parameters
    ----------
    title : str, optional
        Printed above, left-justified.
    caption : str, optional
        Printed below, left-justified (units and definitions go here).
    **kwargs
        Passed to :class:`rich.table.Table`.
    """
    return _TitledTable(
        title=title,
        caption=caption,
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
        pad_edge=False,
        **kwargs,  # type: ignore[arg-type]
    )


class _TitledTable(Table):
    """A table whose title and caption are paragraphs at the console's full width (rich
    wraps them at the table's width, which makes a narrow table's caption a column)."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        title, caption = self.title, self.caption
        self.title = self.caption = None
        try:
            if title:
                yield Text.from_markup(title) if isinstance(title, str) else title
            yield from super().__rich_console__(console, options)
            if caption:
                yield Text.from_markup(caption) if isinstance(caption, str) else caption
        finally:
            self.title, self.caption = title, caption


def quantity_table(title: str, **kwargs: Any) -> Table:
    """A bordered table of single values with the columns quantity, value (right-justified)
    and unit; the caller adds the rows.

    Parameters
    ----------
    title : str
        Printed above.
    **kwargs
        Passed to :class:`rich.table.Table`.
    """
    table = Table(title=title, **kwargs)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("unit")
    return table


def _fits(console: Console, table: Table) -> bool:
    """Whether ``table`` prints at its natural width within the console's width (a table
    measured against the console's own width never reports more than that width)."""
    wide = console.options.update_width(10_000)
    return console.measure(table, options=wide).maximum <= console.width


def print_strategy_table(
    console: Console,
    title: str,
    names: Sequence[str],
    rows: Sequence[tuple[str, str, Sequence[str]]],
    caption: str | None = None,
    first_header: str = "quantity",
) -> int:
    """Print a quantity x strategy table, split into several tables when the strategies do
    not fit the console's width side by side.

    Parameters
    ----------
    console : rich.console.Console
        Where to print; its ``width`` is the budget. [characters]
    title : str
        Printed once, above the first table, wrapped at the console's width.
    names : sequence of str
        Column headers, one per strategy (printed whole, never wrapped).
    rows : sequence of (label, unit, values)
        One row per quantity: its label, its unit (``""`` for none) and one cell per
        strategy.
    caption : str, optional
        Printed once, under the last table, wrapped at the console's width.
    first_header : str
        Header of the label column.

    Returns
    -------
    int
        The number of tables printed.
    """
    chunks = _chunks(console, names, rows, first_header)
    console.print(escape(title))
    for cols in chunks:
        console.print(_strategy_table(names, rows, cols, first_header))
    if caption:
        console.print(escape(caption))
    return len(chunks)


def _chunks(
    console: Console,
    names: Sequence[str],
    rows: Sequence[tuple[str, str, Sequence[str]]],
    first_header: str,
) -> list[list[int]]:
    """Groups of strategy columns that fit side by side: as few groups as a greedy fill
    needs, then as even as the width allows (4 strategies in 2 + 2, not 3 + 1)."""
    greedy: list[list[int]] = []
    current: list[int] = []
    for j in range(len(names)):
        trial = _strategy_table(names, rows, [*current, j], first_header)
        if current and not _fits(console, trial):
            greedy.append(current)
            current = [j]
        else:
            current.append(j)
    greedy.append(current)
    size = -(-len(names) // len(greedy))
    even = [list(range(k, min(k + size, len(names)))) for k in range(0, len(names), size)]
    if len(even) == len(greedy) and all(
        _fits(console, _strategy_table(names, rows, cols, first_header)) for cols in even
    ):
        return even
    return greedy


def _strategy_table(
    names: Sequence[str],
    rows: Sequence[tuple[str, str, Sequence[str]]],
    cols: Sequence[int],
    first_header: str,
) -> Table:
    t = compact_table()
    t.add_column(first_header, no_wrap=True)
    t.add_column("unit", no_wrap=True)
    for j in cols:
        t.add_column(escape(names[j]), justify="right", no_wrap=True)
    for label, unit, values in rows:
        t.add_row(escape(label), escape(unit), *[values[j] for j in cols])
    return t


def print_assumptions(rows: list[dict[str, Any]], console: Console) -> None:
    """The resolved assumptions that can flip the verdict, with their source (``pivot``,
    ``simulate`` and ``optimize``): rows of ``name``, ``value``, ``unit``, ``source``.

    Column widths [characters] are set from the console's width: the value and source
    columns share what the input and unit columns leave (the source a little more: it is
    the shorter text; what one does not need goes to the other) and wrap there, each
    never narrower than its longest word (up to 16: a number is not folded across two
    lines, "1,018,928,04" over "0"; the source at least 15, "= discount_rate"); the
    input column gives way first. Left to itself, rich lays this table out wider than an
    80-column terminal and crops the source column at its edge ("bundled Coin M")."""
    cells = [(escape(row["name"]), escape(fmt_assumption(row["value"])), str(row["unit"]),
              escape(row["source"])) for row in rows]

    def longest_word(i: int) -> int:
        return max((len(w) for c in cells for w in c[i].split()), default=10)

    unit_w = max((len(c[2]) for c in cells), default=4)
    value_max = max((len(c[1]) for c in cells), default=12)
    source_max = max((len(c[3]) for c in cells), default=10)
    value_word = max(10, min(16, longest_word(1)))
    # 15: "= discount_rate" on one line
    source_word = max(10, min(16, source_max, max(15, longest_word(3))))
    # the input column gives way below 36 only on a narrow terminal, so that value and
    # source fit beside it with their longest words; a longer field name folds
    name_w = max(12, min(longest_word(0), 36,
                         console.width - unit_w - 6 - value_word - source_word))
    free = max(24, console.width - name_w - unit_w - 6)  # three gaps of two spaces
    # the source a little more than half
    source_w = max(source_word, min(source_max, max(free * 11 // 20, free - value_max),
                                    free - value_word))
    value_w = max(value_word, min(value_max, free - source_w))
    table = compact_table("Resolved assumptions (default = not in the file)")
    table.add_column("input", width=name_w, overflow="fold")
    table.add_column("value", overflow="fold", width=value_w)
    table.add_column("unit", no_wrap=True)
    table.add_column("source", overflow="fold", width=source_w)
    for c in cells:
        table.add_row(*c)
    console.print(table)
