"""What a run may write over in its ``--out`` folder (:mod:`hashpivot.cli.out_folder`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hashpivot.cli.out_folder import (
    out_folder_problems,
    remove_stale_outputs,
    write_out_folder,
)
from hashpivot.exceptions import InputError
from hashpivot.store.provenance import file_sha256
from tests.cli.cli_inputs import run_main

EX = Path(__file__).resolve().parents[2] / "examples"


def _run(*args: str) -> tuple[int, str]:
    """The console script's entry point: exit code and stderr."""
    code, _, stderr = run_main(*args)
    return code, stderr


def _backtest(out: Path) -> tuple[int, str]:
    """A one-month backtest (the quickest command that writes an ``--out`` folder)."""
    return _run("backtest", str(EX / "reverse-margin.toml"), "--start", "2025-01-01",
                "--end", "2025-01-31", "--out", str(out), "--json")


@pytest.fixture(scope="module")
def backtest_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bt") / "out"
    code, stderr = _backtest(out)
    assert code == 0, stderr
    return out


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for p in src.iterdir():
        (dst / p.name).write_bytes(p.read_bytes())
    return dst


def test_a_folder_of_the_users_files_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "backtest.csv").write_text("my own table\n")
    code, stderr = _backtest(out)
    assert code == 2
    assert "--out: folder" in stderr and "backtest.csv" in stderr
    assert "holds no run.json" in stderr and "empty or new folder" in stderr
    assert (out / "backtest.csv").read_text() == "my own table\n"
    assert sorted(p.name for p in out.iterdir()) == ["backtest.csv"]


def test_dot_files_alone_do_not_make_a_folder_the_users(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".DS_Store").write_bytes(b"\0")
    assert out_folder_problems(out, "backtest") == []
    assert out_folder_problems(tmp_path / "missing", "backtest") == []


def test_another_commands_folder_is_refused(backtest_out: Path) -> None:
    problems = out_folder_problems(backtest_out, "pivot")
    assert len(problems) == 1 and problems[0].path == "--out"
    assert "holds the files of `hashpivot backtest" in problems[0].message
    assert "a pivot run would mix its files with them" in problems[0].message


def test_an_output_changed_since_its_run_is_not_written_over(
    backtest_out: Path, tmp_path: Path
) -> None:
    out = _copy(backtest_out, tmp_path / "out")
    (out / "backtest.csv").write_text("my notes\n")
    code, stderr = _backtest(out)
    assert code == 2
    assert "backtest.csv changed since the run that wrote it" in stderr
    assert (out / "backtest.csv").read_text() == "my notes\n"


def test_an_unreadable_record_is_no_run_record(backtest_out: Path, tmp_path: Path) -> None:
    out = _copy(backtest_out, tmp_path / "out")
    (out / "run.json").write_text("{not json")
    (message,) = (p.message for p in out_folder_problems(out, "backtest"))
    assert "its run.json is not a readable run record" in message


def test_a_second_run_replaces_the_first(backtest_out: Path, tmp_path: Path) -> None:
    out = _copy(backtest_out, tmp_path / "out")
    (out / "old_chart.csv").write_text("a file the previous run wrote\n")
    record = json.loads((out / "run.json").read_text())
    record["outputs"]["old_chart.csv"] = file_sha256(out / "old_chart.csv")
    (out / "run.json").write_text(json.dumps(record))
    code, stderr = _backtest(out)
    assert code == 0, stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["assumptions.csv", "backtest.csv", "backtest.html", "backtest.png",
                     "run.json"]
    assert "old_chart.csv" not in json.loads((out / "run.json").read_text())["outputs"]


def test_a_file_beside_a_runs_outputs_is_not_written_over(
    backtest_out: Path, tmp_path: Path
) -> None:
    """A file the record does not name, though the run might write one of that name
    (a user's notes kept as ``backtest.csv`` of another run were lost, until 2026-12-06)."""
    out = _copy(backtest_out, tmp_path / "out")
    (out / "notes.txt").write_text("mine\n")
    (out / "charts").mkdir()
    (out / ".DS_Store").write_bytes(b"\0")  # (dot names are no one's files)
    (message,) = (p.message for p in out_folder_problems(out, "backtest"))
    assert "holds charts/, notes.txt beside the files of its run" in message
    code, _ = _backtest(out)
    assert code == 2 and (out / "notes.txt").read_text() == "mine\n"


def test_a_link_or_a_folder_in_an_outputs_place_is_a_change(
    backtest_out: Path, tmp_path: Path
) -> None:
    """A link's target may be anyone's file (it was written through, then the record
    failed); a folder made the writer fail half-way."""
    out = _copy(backtest_out, tmp_path / "out")
    (tmp_path / "shared.csv").write_text("mine\n")
    (out / "backtest.csv").unlink()
    (out / "backtest.csv").symlink_to(tmp_path / "shared.csv")
    (out / "backtest.png").unlink()
    (out / "backtest.png").mkdir()
    (message,) = (p.message for p in out_folder_problems(out, "backtest"))
    assert "backtest.csv, backtest.png changed since the run that wrote them" in message
    assert _backtest(out)[0] == 2 and (tmp_path / "shared.csv").read_text() == "mine\n"


def test_a_run_that_fails_while_writing_leaves_the_folder_as_it_was(
    backtest_out: Path, tmp_path: Path
) -> None:
    """Its files go to a hidden folder first: a writer that fails (a chart encoder, a
    full disk, Ctrl-C) left half a run under the old record, and the next run refused
    the folder as edited."""
    out = _copy(backtest_out, tmp_path / "out")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def write(folder: Path) -> list[Path]:
        (folder / "backtest.csv").write_text("half a run\n")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_out_folder(out, "backtest", write)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert out_folder_problems(out, "backtest") == []


def test_an_output_edited_during_the_run_is_not_written_over(
    backtest_out: Path, tmp_path: Path
) -> None:
    """The folder is checked again once the run's files are written: an output edited
    meanwhile (a long optimize) stays, and the run's files are kept beside it."""
    out = _copy(backtest_out, tmp_path / "out")

    def write(folder: Path) -> list[Path]:
        (out / "backtest.csv").write_text("edited during the run\n")
        (folder / "backtest.csv").write_text("the run's\n")
        return [folder / "backtest.csv"]

    with pytest.raises(InputError) as exc:
        write_out_folder(out, "backtest", write)
    assert (out / "backtest.csv").read_text() == "edited during the run\n"
    *_, kept = exc.value.problems
    (folder,) = tmp_path.glob("out.new-*")
    assert str(folder) in kept.message and (folder / "backtest.csv").read_text() == "the run's\n"
    assert not [p for p in out.iterdir() if p.name.startswith(".hashpivot-")]


def test_the_files_kept_aside_of_out_dot_are_in_a_folder_in_sight(
    backtest_out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--out .``: the kept files went to ``..new-<time>`` inside it, hidden."""
    out = _copy(backtest_out, tmp_path / "out")
    monkeypatch.chdir(out)

    def write(folder: Path) -> list[Path]:
        (out / "backtest.csv").write_text("edited during the run\n")
        (folder / "backtest.csv").write_text("the run's\n")
        return [folder / "backtest.csv"]

    with pytest.raises(InputError):
        write_out_folder(Path("."), "backtest", write)
    (folder,) = tmp_path.glob("out.new-*")
    assert (folder / "backtest.csv").read_text() == "the run's\n"


def test_stale_outputs_outside_the_folder_or_changed_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (tmp_path / "outside.csv").write_text("x")
    (out / "sub" / "gone.csv").write_text("y")
    (out / "edited.csv").write_text("z")
    previous = {"../outside.csv": file_sha256(tmp_path / "outside.csv"),
                "sub/gone.csv": file_sha256(out / "sub" / "gone.csv"),
                "edited.csv": "0" * 16, "kept.csv": "1" * 16}
    removed = remove_stale_outputs(out, previous, ["kept.csv"])
    assert removed == ["sub/gone.csv"]
    assert not (out / "sub").exists()  # emptied: the run made it
    assert (tmp_path / "outside.csv").exists() and (out / "edited.csv").exists()


@pytest.mark.parametrize("command", [
    ["backtest", str(EX / "reverse-margin.toml"), "--start", "2025-01-01", "--end",
     "2025-01-31"],
    ["pivot", str(EX / "pivot-200mw.toml")],
    ["simulate", str(EX / "pivot-200mw.toml"), "--paths", "100"],
    ["dispatch", str(EX / "dispatch-west-texas.toml")],
    ["optimize", str(EX / "portfolio.toml"), "--scenarios", "2"],
])
@pytest.mark.parametrize("out", [["--out", ""], ["--out="]])
def test_an_empty_out_is_bad_input_not_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str],
        out: list[str]) -> None:
    """``--out ""`` was read as ``.`` (typer makes a path of an empty name): the run wrote
    its files into the working folder when it was empty or held the same command's
    earlier run. An empty ``--out`` is now bad input (exit 2) at ``--out``, before any
    work, for every command that writes one; nothing is written."""
    monkeypatch.chdir(tmp_path)
    code, stderr = _run(*command, *out)
    assert code == 2, stderr
    assert "--out" in stderr and "empty" in stderr, stderr
    assert list(tmp_path.iterdir()) == []


def test_an_empty_keep_is_bad_input_too(tmp_path: Path, backtest_out: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """``reproduce --keep ""`` (a folder option as ``--out``) was ``.`` too."""
    monkeypatch.chdir(tmp_path)
    code, stderr = _run("reproduce", str(backtest_out), "--keep", "")
    assert code == 2 and "--keep" in stderr and "empty" in stderr, stderr
    assert list(tmp_path.iterdir()) == []
