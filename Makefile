# Two set-up commands: `make demo` (runs the bundled example) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck bench data clean docs-check

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/hashpivot hashprice --btc-price-usd 95000 --difficulty 117e12 --fees-btc-per-block 0.03
	$(BIN)/hashpivot data status
	$(BIN)/hashpivot profit "S21 XP" S21 --power-price-usd-per-mwh 50 --machine-price-usd-per-th 15
	COLUMNS=120 $(BIN)/hashpivot cost examples/reverse-margin.toml --btc-price-usd 95000 --difficulty 117e12 --fees-btc-per-block 0.03
	COLUMNS=120 $(BIN)/hashpivot backtest examples/reverse-margin.toml --start 2020-01-01 --end 2025-09-26 --out out/backtest
	COLUMNS=120 $(BIN)/hashpivot pivot examples/pivot-200mw.toml --out out/pivot
	COLUMNS=120 $(BIN)/hashpivot simulate examples/pivot-200mw.toml --paths 20000 --seed 7 --out out/simulate
	COLUMNS=120 $(BIN)/hashpivot dispatch examples/dispatch-west-texas.toml --market ercot:HB_WEST:2024 --out out/dispatch
	COLUMNS=120 $(BIN)/hashpivot optimize examples/portfolio.toml --scenarios 100 --risk-aversion 0.3 --seed 7 --gap 1e-5 --out out/optimize
	COLUMNS=120 $(BIN)/hashpivot pivot out/optimize/plan_portfolio.toml --out out/plan
	COLUMNS=120 $(BIN)/hashpivot simulate out/optimize/plan_portfolio.toml --paths 10000 --seed 7 --out out/plan-risk
	$(BIN)/hashpivot reproduce out/pivot

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy src

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy src
	$(BIN)/python -m pytest -q -n 2

# the figures README.md and docs/methodology.md quote, re-run (about a minute)
docs-check: $(STAMP)
	$(BIN)/python scripts/check_readme_figures.py

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

data: $(STAMP)
	$(BIN)/python scripts/build_data.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
