"""The harness itself: JupyterLab opens a notebook, runs it in a real kernel, the page shows the
outputs, the probe reads kernel state, and the network guard sees only loopback."""

from __future__ import annotations

from harness import LabPage, is_loopback_url


def test_notebook_runs_in_real_kernel_and_probe_reads_state(lab: LabPage, notebook) -> None:
    name = notebook(
        "harness_smoke.ipynb",
        [
            "import os, sys\nvalues = [i * i for i in range(10)]\ntotal = sum(values)\ntotal",
            "from IPython.display import HTML\n"
            "HTML('<div class=\"harness-probe\">total is <b>' + str(total) + '</b></div>')",
        ],
    )
    lab.open_notebook(name)
    lab.run_all()

    probe_div = lab.page.locator(".jp-OutputArea-output .harness-probe")
    probe_div.wait_for()
    assert probe_div.inner_text() == "total is 285"
    assert "285" in lab.page.locator(".jp-OutputArea-output").first.inner_text()

    probe = lab.probe()
    try:
        state = probe.json("{'total': total, 'exe': sys.executable, 'cwd': os.getcwd()}")
        assert state["total"] == 285
        assert state["cwd"] == str(lab.server.root_dir)
        probe.run("total = -1")
        assert probe.json("total") == -1
    finally:
        probe.close()
    lab.screenshot("harness-smoke")


def test_network_guard_classifies_urls() -> None:
    assert is_loopback_url("http://127.0.0.1:1234/static/lab/main.js")
    assert is_loopback_url("ws://127.0.0.1:1234/api/kernels/x/channels")
    assert not is_loopback_url("https://fonts.googleapis.com/css")
    assert not is_loopback_url("http://127.0.0.1.example.com/")
    assert not is_loopback_url("chrome-extension://abc/script.js")
