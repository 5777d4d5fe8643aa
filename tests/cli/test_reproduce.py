"""The run record of an ``--out`` folder (``run.json``) and ``hashpivot reproduce``."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hashpivot.cli.reproduce import compare_outputs, rerun_arguments, run_folder
from hashpivot.cli.run_record import input_files
from hashpivot.store.provenance import file_sha256

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _hashpivot(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="120", HASHPIVOT_DATA_DIR=str(cwd / "data-dir"))
    return subprocess.run([sys.executable, "-m", "hashpivot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def pivot_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pivot`` on a copy of the 200 MW example, written to ``out`` (relative paths, as a
    user types them); the module's tests work on copies of it."""
    work = tmp_path_factory.mktemp("work")
    shutil.copy(EXAMPLES / "pivot-200mw.toml", work / "pf.toml")
    done = _hashpivot(["pivot", "pf.toml", "--out", "out"], work)
    assert done.returncode == 0, done.stderr
    return work


@pytest.fixture()
def work(pivot_out: Path, tmp_path: Path) -> Path:
    """A copy of the module's tree: its ``out/run.json`` names the original folder (which
    still exists), so every test here also runs the copy's command in the copy."""
    copy = tmp_path / "work"
    shutil.copytree(pivot_out, copy)
    return copy


def test_an_out_folder_records_its_command_inputs_outputs_and_provenance(
    pivot_out: Path,
) -> None:
    record = json.loads((pivot_out / "out" / "run.json").read_text())
    assert record["format"] == 1
    assert record["command"] == ["pivot", "pf.toml", "--out", "out"]
    assert record["cwd"] == str(pivot_out)
    assert record["inputs"] == {"pf.toml": file_sha256(pivot_out / "pf.toml")}
    assert record["outputs"]["summary.csv"] == file_sha256(pivot_out / "out" / "summary.csv")
    assert "tornado.png" in record["outputs"] and "run.json" not in record["outputs"]
    assert {"package_version", "code", "libraries", "data"} <= set(record["provenance"])


def test_the_same_command_on_the_same_inputs_reproduces_every_file(work: Path) -> None:
    done = _hashpivot(["reproduce", "out"], work)
    assert done.returncode == 0, done.stderr
    assert "out: reproduced," in done.stderr and "file(s) identical" in done.stderr
    assert "chart(s) not compared" in done.stderr
    assert "note: code changed" not in done.stderr  # the same code as the record's
    done = _hashpivot(["reproduce", "out", "--keep", "again"], work)
    assert done.returncode == 0, done.stderr
    assert (work / "again" / "summary.csv").read_bytes() == (
        work / "out" / "summary.csv").read_bytes()


def test_a_dispatch_with_its_resolved_assumptions_is_reproduced(tmp_path: Path) -> None:
    """A dispatch's ``assumptions.csv`` (its rows give no wall-clock time) is recorded and
    reproduced byte for byte, with the summary it is also in."""
    from tests.engines.dispatch_inputs import PRICES

    shutil.copy(EXAMPLES / "dispatch-west-texas.toml", tmp_path / "site.toml")
    shutil.copy(PRICES, tmp_path / "prices.csv")
    done = _hashpivot(["dispatch", "site.toml", "--prices", "prices.csv", "--out", "out"],
                      tmp_path)
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["outputs"]["assumptions.csv"] == file_sha256(
        tmp_path / "out" / "assumptions.csv")
    done = _hashpivot(["reproduce", "out"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "out: reproduced, 4 file(s) identical" in done.stderr


def test_a_tree_moved_elsewhere_is_reproduced_where_it_is_now(work: Path,
                                                              tmp_path: Path) -> None:
    # the tree it ran in is gone (another machine): the copy is run where it stands
    record = json.loads((work / "out" / "run.json").read_text())
    record["cwd"] = str(tmp_path / "the analyst's laptop")
    (work / "out" / "run.json").write_text(json.dumps(record))
    done = _hashpivot(["reproduce", str(work / "out")], tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"running in {work}, where --out out puts it" in done.stderr
    assert "reproduced" in done.stderr
    # the copy's input is the one checked (edited here, not in the recorded tree)
    with (work / "pf.toml").open("a") as f:
        f.write("\n# edited in the copy\n")
    done = _hashpivot(["reproduce", "out"], work)
    assert done.returncode == 2 and "inputs.pf.toml: changed since the run" in done.stderr


def test_a_folder_moved_out_of_its_tree_is_reproduced_with_cwd(work: Path,
                                                               tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(work / "pf.toml", elsewhere / "pf.toml")
    record = json.loads((work / "out" / "run.json").read_text())
    record["cwd"] = str(tmp_path / "the analyst's laptop")
    (work / "out" / "run.json").write_text(json.dumps(record))
    (work / "out").rename(work / "sent")  # no longer at --out out: nothing to infer
    done = _hashpivot(["reproduce", "sent"], work)
    assert done.returncode == 2 and "the folder the command ran in is gone" in done.stderr
    done = _hashpivot(["reproduce", "sent", "--cwd", str(elsewhere)], work)
    assert done.returncode == 0, done.stderr
    assert "reproduced" in done.stderr
    done = _hashpivot(["reproduce", "sent", "--cwd", str(tmp_path / "nowhere")], work)
    assert done.returncode == 2 and "--cwd" in done.stderr


@pytest.mark.parametrize(
    ("out", "folder", "expected"),
    [
        ("out/pivot", "/b/repo/out/pivot", "/b/repo"),  # the tree moved
        ("./out//pivot/", "/b/repo/out/pivot", "/b/repo"),  # as typed, normalised
        ("out/pivot", "/a/repo/out/pivot", "/a/repo"),  # where it was written
        (".", "/b/repo", "/b/repo"),  # --out . : the folder is the tree
        ("out/pivot", "/b/repo/out/pivot-sent", "/a/repo"),  # renamed: the record's
        ("../out", "/b/out", "/a/repo"),  # outside the tree: the record's
        ("/a/repo/out", "/b/repo/out", "/a/repo"),  # absolute: the record's
    ],
)
def test_run_folder_follows_the_out_folder_only_when_its_path_ends_as_recorded(
    out: str, folder: str, expected: str
) -> None:
    record = {"command": ["pivot", "pf.toml", "--out", out], "cwd": "/a/repo"}
    cwd, note = run_folder(record, Path(folder))
    assert cwd == Path(expected)
    assert (note is None) == (expected == "/a/repo")
    record["command"] = ["pivot", "pf.toml", f"--out={out}"]
    assert run_folder(record, Path(folder))[0] == Path(expected)


def test_a_file_not_reproduced_is_shown_and_called_a_failure_when_nothing_changed(
    work: Path,
) -> None:
    summary = work / "out" / "summary.csv"
    lines = summary.read_text().splitlines()
    lines[1] = lines[1].replace(",", ",9", 1)  # a stored number that the code never gave
    summary.write_text("\n".join(lines) + "\n")
    record = json.loads((work / "out" / "run.json").read_text())
    record["outputs"]["summary.csv"] = file_sha256(summary)
    (work / "out" / "run.json").write_text(json.dumps(record))
    done = _hashpivot(["reproduce", "out"], work)
    assert done.returncode == 1
    assert "differs: summary.csv: line 2: stored " in done.stderr
    assert ("1 file(s) differ with the same code, libraries and data: a failure to "
            "reproduce") in done.stderr
    # the same difference under another version of the code names what changed
    record["provenance"]["code"]["engines/pivot"] = "0" * 16
    (work / "out" / "run.json").write_text(json.dumps(record))
    done = _hashpivot(["reproduce", "out"], work)
    assert done.returncode == 1
    assert "note: code changed since the run in: engines/pivot" in done.stderr
    assert "1 file(s) differ; changed since the run: the code of engines/pivot" in done.stderr


def test_a_changed_input_or_a_missing_record_is_an_input_error(work: Path) -> None:
    done = _hashpivot(["reproduce", "out", "--keep", "pf.toml"], work)
    assert done.returncode == 2 and "--keep: pf.toml is a file, not a folder" in done.stderr
    done = _hashpivot(["reproduce", "out", "--keep", "./out"], work)
    assert done.returncode == 2 and "--keep: must not be the folder being" in done.stderr
    (work / "full").mkdir()
    (work / "full" / "old.csv").write_text("x\n")
    done = _hashpivot(["reproduce", "out", "--keep", "full"], work)
    assert done.returncode == 2 and "--keep: full is not empty" in done.stderr
    with (work / "pf.toml").open("a") as f:
        f.write("\n# edited after the run\n")
    done = _hashpivot(["reproduce", "out"], work)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "inputs.pf.toml: changed since the run" in done.stderr
    (work / "pf.toml").unlink()
    done = _hashpivot(["reproduce", "out"], work)
    assert done.returncode == 2 and "inputs.pf.toml: the input file is gone" in done.stderr
    done = _hashpivot(["reproduce", "."], work)
    assert done.returncode == 2 and "has no run.json" in done.stderr
    (work / "out" / "run.json").write_text('{"format": 1, "command": []}')
    done = _hashpivot(["reproduce", "out"], work)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    for field in ("command: must be a non-empty list", "inputs: must be an object",
                  "cwd: must be a string"):
        assert field in done.stderr
    assert str(Path("out") / "run.json") in done.stderr  # the file is named
    # a record is a file anyone can edit: it runs only the commands that write one
    for command in (["keys", "create", "x", "--out", "o"], ["pivot", "pf.toml"]):
        record = {"format": 1, "command": command, "cwd": str(work), "inputs": {},
                  "outputs": {}, "provenance": {}}
        (work / "out" / "run.json").write_text(json.dumps(record))
        done = _hashpivot(["reproduce", "out"], work)
        assert done.returncode == 2 and "command: must be one of backtest, pivot" in done.stderr


def test_input_files_follow_the_file_names_a_toml_holds(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "e.csv").write_text("x\n1\n")
    (tmp_path / "pf.toml").write_text(
        '[[sites]]\nname = "a"\n[sites.dispatch]\nemissions_file = "sub/e.csv"\n'
        '[optimize]\nrules_file = "missing.csv"\n'
    )
    got = input_files(["pivot", "pf.toml", "--out=out", "--prices", "sub/e.csv", "-q"],
                      tmp_path)
    assert got == {
        "pf.toml": file_sha256(tmp_path / "pf.toml"),
        "pf.toml:sub/e.csv": file_sha256(tmp_path / "sub" / "e.csv"),
        "sub/e.csv": file_sha256(tmp_path / "sub" / "e.csv"),
    }


def test_rerun_arguments_point_out_at_the_new_folder(tmp_path: Path) -> None:
    assert rerun_arguments(["pivot", "pf.toml", "--out", "o", "--json"], tmp_path) == [
        "pivot", "pf.toml", "--out", str(tmp_path), "--json"]
    assert rerun_arguments(["simulate", "--out=o", "pf.toml"], tmp_path) == [
        "simulate", f"--out={tmp_path}", "pf.toml"]


def test_json_is_compared_without_timings_and_gzip_by_its_contents(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "result.json").write_text('{"npv_usd": 1.5, "solve_seconds": 0.4}')
    (new / "result.json").write_text('{"npv_usd": 1.5, "solve_seconds": 9.1, "extra": 1}')
    (old / "npv.csv.gz").write_bytes(gzip.compress(b"path,npv\n0,1.5\n", mtime=1))
    (new / "npv.csv.gz").write_bytes(gzip.compress(b"path,npv\n0,1.5\n", mtime=2))
    (old / "chart.png").write_bytes(b"\x89PNG old")
    (new / "chart.png").write_bytes(b"\x89PNG new")
    (new / "later.csv").write_text("a\n")
    recorded = {p.name: file_sha256(p) for p in old.iterdir()}
    recorded["gone.csv"] = "0" * 16
    cmp = compare_outputs(old, recorded, new)
    assert cmp.identical == ["npv.csv.gz", "result.json"]
    assert cmp.charts == ["chart.png"] and cmp.added == ["later.csv"]
    assert cmp.differs == ["gone.csv: no longer written"]
    (new / "result.json").write_text('{"npv_usd": 1.6, "solve_seconds": 9.1}')
    cmp = compare_outputs(old, recorded, new)
    assert cmp.differing_files == ["gone.csv", "result.json"]
    assert "result.json: npv_usd: stored 1.5, reproduced 1.6" in cmp.differs
    # a stored file edited since the run: compared by its recorded hash only
    (old / "result.json").write_text("{}")
    cmp = compare_outputs(old, recorded, new)
    assert any("compared by its recorded hash only" in d for d in cmp.differs)


@pytest.mark.parametrize(("field", "value"), [
    ("code", 5), ("libraries", "x"), ("data", [1]), ("data", {"bundled": 3}),
    ("code", {"all": 7}),
])
def test_a_record_with_a_provenance_of_the_wrong_shape_is_an_input_error(
        work: Path, field: str, value: Any) -> None:
    """A tampered provenance was "internal error: TypeError", exit 1."""
    record = json.loads((work / "out" / "run.json").read_text())
    record["provenance"][field] = value
    (work / "out" / "run.json").write_text(json.dumps(record))
    done = _hashpivot(["reproduce", "out"], work)
    assert done.returncode == 2, done.stderr
    assert f"provenance.{field}" in done.stderr and "internal error" not in done.stderr


def test_a_recorded_command_the_cli_refuses_is_an_input_error(work: Path) -> None:
    """A recorded command with a bad option exited 1, as a failure to reproduce."""
    record = json.loads((work / "out" / "run.json").read_text())
    record["command"] = [*record["command"], "--convert-mw", "-1"]
    (work / "out" / "run.json").write_text(json.dumps(record))
    done = _hashpivot(["reproduce", "out"], work)
    assert done.returncode == 2, done.stderr
    assert "--convert-mw" in done.stderr and "run.json: command" in done.stderr


def test_reproduce_lists_its_options_and_the_record_together(tmp_path: Path) -> None:
    """A --keep folder that is not empty, a --cwd that is no folder and a FOLDER with no
    record in one run (each came after the one before was fixed, until 2026-12-06)."""
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "a.txt").write_text("mine\n")
    done = _hashpivot(["reproduce", "nothing-here", "--keep", "keep", "--cwd", "nope"],
                      tmp_path)
    assert done.returncode == 2, done.stderr
    fields = [line.split(": ")[2] for line in done.stderr.splitlines()
              if line.startswith("error:")]
    assert fields == ["--keep", "--cwd", "FOLDER"], done.stderr
    assert (tmp_path / "keep" / "a.txt").read_text() == "mine\n"


@pytest.mark.parametrize(("text", "words"), [
    ("{not json", "not a readable JSON run record"), ("[1, 2]", "not a JSON object"),
])
def test_a_run_json_that_is_no_record_is_an_error_at_the_file_s_root(
        tmp_path: Path, text: str, words: str) -> None:
    """Its problem was at a field path "<file>", which no file has (a whole file's
    problem is at its root, printed "(root)", as a portfolio file's)."""
    from hashpivot.cli.reproduce import load_record
    from hashpivot.exceptions import InputError

    (tmp_path / "run.json").write_text(text)
    with pytest.raises(InputError) as err:
        load_record(tmp_path)
    (problem,) = err.value.problems
    assert str(problem).startswith(f"{tmp_path / 'run.json'}: (root): {words}"), problem


def test_a_run_json_nested_past_python_s_recursion_limit_is_no_record(tmp_path: Path) -> None:
    """``[[[...]]]`` 100,000 deep was "internal error: RecursionError", exit 1."""
    from hashpivot.cli.reproduce import load_record
    from hashpivot.exceptions import InputError

    (tmp_path / "run.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError) as err:
        load_record(tmp_path)
    (problem,) = err.value.problems
    assert str(problem).startswith(f"{tmp_path / 'run.json'}: (root): not a readable JSON")


def test_a_run_json_an_editor_saved_with_a_bom_is_read(pivot_out: Path, tmp_path: Path
                                                       ) -> None:
    """A BOM before the record was "Unexpected UTF-8 BOM", exit 2: it is read."""
    from hashpivot.cli.reproduce import load_record

    text = (pivot_out / "out" / "run.json").read_text()
    (tmp_path / "run.json").write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_record(tmp_path) == json.loads(text)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "a/../../b.csv"])
def test_an_output_named_outside_the_folder_is_an_error_at_its_path(
        pivot_out: Path, tmp_path: Path, name: str) -> None:
    """A record's output ``/etc/passwd`` was compared as one of the run's files ("differs:
    /etc/passwd: no longer written", a failure to reproduce, exit 1)."""
    from hashpivot.cli.reproduce import load_record
    from hashpivot.exceptions import InputError

    record = json.loads((pivot_out / "out" / "run.json").read_text())
    record["outputs"][name] = "0" * 16
    (tmp_path / "run.json").write_text(json.dumps(record))
    with pytest.raises(InputError) as err:
        load_record(tmp_path)
    (problem,) = err.value.problems
    assert problem.path == f"outputs.{name}"
    assert problem.message == "must name a file in the folder"
