"""Settings from the environment: a bad value is the user's input, named by its variable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from hashpivot.exceptions import InputError
from hashpivot.store.settings import get_settings


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("HASHPIVOT_WORKERS", "abc", "valid integer, unable to parse string as an integer (got 'abc')"),
    ("HASHPIVOT_WORKERS", "0", "greater than or equal to 1 (got '0')"),
    ("HASHPIVOT_ANONYMOUS_READ", "maybe", "valid boolean"),
    ("HASHPIVOT_MAX_MEMORY_MIB", "-5", "greater than 0"),
    ("HASHPIVOT_CORS_ORIGINS", "https://a.example", "JSON"),
])
def test_a_bad_setting_is_an_input_error_at_its_variable(
        monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str) -> None:
    """Each was a pydantic ValidationError or SettingsError: "internal error", exit 1."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(InputError) as bad:
        get_settings()
    (problem,) = bad.value.problems
    assert (problem.path, problem.source) == (variable, "<environment>")
    assert says in problem.message


def test_every_bad_setting_is_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HASHPIVOT_WORKERS", "abc")
    monkeypatch.setenv("HASHPIVOT_SESSION_MAX_AGE_S", "1")
    with pytest.raises(InputError) as bad:
        get_settings()
    assert [p.path for p in bad.value.problems] == ["HASHPIVOT_WORKERS",
                                                    "HASHPIVOT_SESSION_MAX_AGE_S"]


def test_the_cli_says_which_variable_and_exits_2(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("HASHPIVOT_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    monkeypatch.setenv("HASHPIVOT_WORKERS", "abc")
    for args in (["keys", "list"], ["runs", "list"]):
        out = CliRunner().invoke(app, args)
        assert out.exit_code == 2, out.stderr
        assert out.stderr.startswith("error: <environment>: HASHPIVOT_WORKERS: Input should ")
        assert "internal error" not in out.stderr
