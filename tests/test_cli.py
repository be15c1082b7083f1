"""The command line: fit, compare, laws; one clear error line and a non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl
from scalinglab.cli import main


@pytest.fixture
def csv(tmp_path, loss_table):
    path = tmp_path / "sweep.csv"
    loss_table.to_csv(path, index=False)
    return str(path)


def test_fit_prints_parameters_and_code(csv, capsys):
    assert main(["fit", csv, "--x", "D", "--y", "loss", "--ci", "delta", "--solve", "1.8"]) == 0
    out = capsys.readouterr().out
    assert "power_offset: loss ~ D" in out and "def predict(D):" in out
    assert "reaches 1.8 at D =" in out


def test_fit_json_is_loadable(csv, capsys):
    assert main(["fit", csv, "--x", "D", "--y", "loss", "--ci", "none", "--range", "1e6", "1e8",
                 "--json"]) == 0
    res = sl.load_fit(capsys.readouterr().out)
    assert res.settings["fit_range"][1] <= 1e8


def test_compare_and_laws(csv, capsys):
    assert main(["compare", csv, "--x", "D", "--y", "loss", "--laws", "power", "power_offset"]) == 0
    out = capsys.readouterr().out
    assert "power_offset wins" in out
    assert main(["laws"]) == 0
    assert "chinchilla" in capsys.readouterr().out


@pytest.mark.parametrize("argv, match", [
    (["fit", "missing.csv", "--x", "D", "--y", "loss"], "no such file"),
    (["fit", "{csv}", "--x", "Q", "--y", "loss"], "no column 'Q'"),
    (["fit", "{csv}", "--x", "D", "--y", "loss", "--law", "nope"], "unknown law"),
])
def test_errors_are_one_line_with_nonzero_exit(csv, argv, match):
    argv = [a.replace("{csv}", csv) for a in argv]
    out = subprocess.run([sys.executable, "-m", "scalinglab.cli", *argv], capture_output=True,
                         text=True)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scalinglab: error:") and match in lines[0]


def test_json_output_is_strict_json(csv, capsys):
    main(["fit", csv, "--x", "D", "--y", "loss", "--json", "--ci", "bootstrap", "--n-boot", "100"])
    json.loads(capsys.readouterr().out)


def test_json_piped_into_head_exits_quietly(tmp_path):
    # `scalinglab fit --json table.csv ... | head -1`: the reader closes the pipe early; that is
    # not an error (it printed a BrokenPipeError traceback)
    rng = np.random.default_rng(0)
    D = np.logspace(6, 9, 3000)
    path = tmp_path / "big.csv"
    pd.DataFrame({"D": D, "loss": 40 * D**-0.25 * np.exp(rng.normal(0, 0.01, D.size))}).to_csv(
        path, index=False)
    cmd = (f"{sys.executable} -m scalinglab.cli fit {path} --x D --y loss --law power "
           "--ci none --json | head -c 100")
    out = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    assert out.stdout.startswith("{")
    assert "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr, out.stderr


def test_compare_says_which_fits_did_not_converge(csv, capsys, monkeypatch):
    from scalinglab.fitting import solver

    monkeypatch.setattr(solver, "SCREEN_ITER", 1)
    monkeypatch.setattr(solver, "POLISH_ITER", 1)
    monkeypatch.setattr(solver, "FINISH_BUDGET", 0)
    assert main(["compare", csv, "--x", "D", "--y", "loss", "--laws", "power_offset"]) == 0
    out = capsys.readouterr().out
    assert "note: the fit of law 'power_offset' did not converge" in out
    assert "note: held-out fit: the fit of law 'power_offset' did not converge" in out
