"""The widget contract (scalinglab.widgets.contract) is written once: the generated
TypeScript is current, and every synced trait of every widget is declared in it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scalinglab.widgets import contract

ROOT = Path(__file__).resolve().parent.parent


def test_generated_typescript_is_current() -> None:
    out = subprocess.run([sys.executable, "-m", "scalinglab.widgets.contract", "--check"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_check_fails_on_a_stale_file(tmp_path, monkeypatch) -> None:
    (tmp_path / "js" / "src" / "shared").mkdir(parents=True)
    (tmp_path / "js" / "package.json").write_text("{}")
    stale = tmp_path / contract.TS_PATH
    stale.write_text("// old\n")
    monkeypatch.setattr(contract, "_root", lambda: tmp_path)
    assert contract.main(["--check"]) == 1
    assert contract.main(["--write"]) == 0
    assert contract.main(["--check"]) == 0


def test_typescript_names_every_message_and_state() -> None:
    ts = contract.typescript()
    for name in ("LawExplorerState", "RemedyComparerState", "BrushMsg", "LoadTableMsg",
                 "ExportJsonRequest", "AckMsg", "TableLoadedMsg", "ExportJsonReply"):
        assert f"export interface {name}" in ts
    assert '"brush"' in ts and "table_version: number;" in ts
    assert "points: PointRow[];" in ts


def _widget_classes() -> dict[str, type]:
    from scalinglab.widgets.compute import ComputeExplorer
    from scalinglab.widgets.explorer import LawExplorer
    from scalinglab.widgets.remedies import RemedyComparer

    return {"LawExplorer": LawExplorer, "RemedyComparer": RemedyComparer,
            "ComputeExplorer": ComputeExplorer}


@pytest.mark.parametrize("name", sorted(contract.WIDGET_STATES))
def test_every_synced_trait_is_in_the_contract(name: str) -> None:
    from scalinglab.widgets.base import synced_traits

    classes = _widget_classes()
    if name not in classes:
        pytest.skip(f"{name} is not built yet")
    synced = synced_traits(classes[name])
    declared = set(contract.state_fields(name))
    assert synced - declared == set(), "synced traits missing from the contract"
    assert declared - synced == set(), "contract fields that are not synced traits"
