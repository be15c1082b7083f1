"""Binder's recipe works: install exactly as binder/ says into a fresh venv, run the gallery.

mybinder.org (repo2docker) clones the repository and runs ``pip install -r
binder/requirements.txt`` from its root. This test does the same on a copy of the working tree
(tracked and new files, nothing git-ignored: no node_modules, no built static/), in a fresh venv
with no access to the development venv, then executes every gallery notebook
(``notebooks/NN_*.ipynb``, found by tests/gallery.py) headless with nbclient in that venv's
kernel. It needs PyPI and npm (minutes): marked slow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BINDER = REPO / "binder"
QUICKSTART = Path("notebooks") / "01_quickstart.ipynb"

_EXECUTE = r"""
import json, sys
sys.path.insert(0, "tests")
from gallery import execute, notebooks

report = {}
for path in notebooks():
    nb, seconds = execute(path)
    mimes = sorted({m for c in nb.cells if c.cell_type == "code"
                    for o in c.get("outputs", []) for m in o.get("data", {})})
    report[path.name] = {"mimes": mimes, "seconds": round(seconds, 1)}
print(json.dumps(report))
"""


def _copy_working_tree(target: Path) -> None:
    """Copy tracked and untracked-but-not-ignored files: what a fresh clone would hold."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        src = REPO / rel
        if not src.is_file():  # deleted in the working tree
            continue
        dst = target / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float) -> str:
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        pytest.fail(
            f"{' '.join(cmd)} failed with code {proc.returncode}\n--- stdout (tail) ---\n"
            f"{proc.stdout[-6000:]}\n--- stderr (tail) ---\n{proc.stderr[-6000:]}",
            pytrace=False,
        )
    return proc.stdout


def test_binder_files_are_what_repo2docker_reads() -> None:
    requirements = (BINDER / "requirements.txt").read_text().splitlines()
    entries = [line.strip() for line in requirements if line.strip() and not line.startswith("#")]
    assert any(e == "." or e.startswith(".[") for e in entries), (
        "binder/requirements.txt must install this repository ('.' or '.[extras]')")
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-3."), runtime
    major_minor = tuple(int(p) for p in runtime.removeprefix("python-").split("."))
    assert major_minor >= (3, 10), "pyproject says requires-python >= 3.10"


@pytest.mark.slow
def test_binder_install_runs_every_gallery_notebook(tmp_path: Path) -> None:
    if not (REPO / QUICKSTART).exists():
        pytest.fail(f"{QUICKSTART} is missing: Binder opens it", pytrace=False)
    for tool in ("node", "npm", "git"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is needed to build the widget front end like Binder does")

    checkout = tmp_path / "repo"
    _copy_working_tree(checkout)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"

    # A clean environment: the fresh venv first on PATH, no user-level Jupyter config or kernels.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHON", "VIRT"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        path = tmp_path / name.lower()
        path.mkdir()
        env[name] = str(path)

    _run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], checkout, env, 600)
    # Exactly what repo2docker runs, from the repository root.
    _run(
        [str(python), "-m", "pip", "install", "-r", "binder/requirements.txt"],
        checkout,
        env,
        1800,
    )

    # The wheel carries the built front end and the widget extensions JupyterLab needs.
    report = json.loads(
        _run(
            [
                str(python),
                "-c",
                "import json, pathlib, scalinglab, sys\n"
                "pkg = pathlib.Path(scalinglab.__file__).parent\n"
                "ext = pathlib.Path(sys.prefix, 'share', 'jupyter', 'labextensions')\n"
                "print(json.dumps({'pkg': str(pkg),\n"
                "  'static': sorted(p.name for p in (pkg / 'static').glob('*.js')),\n"
                "  'labext': sorted(p.name for p in ext.iterdir()) if ext.exists() else []}))",
            ],
            tmp_path,
            env,
            120,
        )
    )
    assert str(venv) in report["pkg"], f"scalinglab was imported from {report['pkg']}"
    assert report["static"], "the installed package has no built JS in scalinglab/static/"
    assert "anywidget" in report["labext"] and "@jupyter-widgets" in report["labext"], report

    result = json.loads(_run([str(python), "-c", _EXECUTE], checkout, env, 3600))
    gallery = sorted(p.name for p in (checkout / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(result) == gallery, result
    print("gallery run times in the Binder venv (s):",
          {name: r["seconds"] for name, r in result.items()})
    assert "application/vnd.jupyter.widget-view+json" in result[QUICKSTART.name]["mimes"], (
        f"the quickstart displayed no widget; output types: {result[QUICKSTART.name]['mimes']}"
    )
    for name, r in result.items():  # the static pictures were drawn (vl-convert installed)
        assert "image/svg+xml" in r["mimes"], f"{name} drew no static chart: {r['mimes']}"
