"""Fixtures for the end-to-end browser tests (real JupyterLab, real kernel, Debian Chromium).

- ``lab_server`` (session): JupyterLab on a free loopback port; its log lands in
  ``test-artifacts/jupyterlab-server.log``.
- ``browser`` (session): headless ``/usr/bin/chromium`` via Playwright. A missing Chromium is a
  FAILURE (CI installs it with ``make browser``); developers may opt out with
  ``SCALINGLAB_SKIP_BROWSER=1``.
- ``lab`` (function): a fresh browser context + page wrapped in :class:`harness.LabPage`, with a
  network guard: the test fails if the page requested anything beyond loopback. On failure a
  screenshot ``test-artifacts/FAILED-<test>.png`` is saved. Kernels are shut down afterwards.
- ``notebook``: ``notebook(name, cells)`` writes a notebook into the server root.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from harness import (
    SKIP_ENV,
    HarnessError,
    LabPage,
    LabServer,
    NetworkGuard,
    browser_opt_out,
    launch_chromium,
    write_notebook,
)

VIEWPORT = {"width": 1400, "height": 1300}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    if browser_opt_out():
        pytest.skip(f"{SKIP_ENV}=1: browser tests skipped on request")
    server, error = None, ""
    try:
        server = LabServer.start(tmp_path_factory.mktemp("jupyterlab"))
    except HarnessError as exc:
        error = str(exc)
    if server is None:
        pytest.fail(error, pytrace=False)
    try:
        yield server
    finally:
        server.stop()
        server.keep_log()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if browser_opt_out():
        pytest.skip(f"{SKIP_ENV}=1: browser tests skipped on request")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium, error = None, ""
        try:
            chromium = launch_chromium(pw)
        except HarnessError as exc:
            error = str(exc)
        if chromium is None:
            pytest.fail(error, pytrace=False)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def lab(request: pytest.FixtureRequest, lab_server: LabServer, browser: Any) -> Iterator[LabPage]:
    context = browser.new_context(viewport=VIEWPORT)
    guard = NetworkGuard().attach(context)
    page = context.new_page()
    page.set_default_timeout(120_000)
    lab_page = LabPage(page, lab_server)
    try:
        yield lab_page
    finally:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            try:
                lab_page.screenshot(f"FAILED-{request.node.name}")
            except Exception as exc:  # the page may be gone; the test failure says why
                print(f"could not save failure screenshot: {exc}")
        context.close()
        lab_server.shutdown_sessions()
    offenders = guard.offenders()
    if offenders:
        pytest.fail(
            "the page requested URLs beyond loopback:\n  " + "\n  ".join(offenders),
            pytrace=False,
        )


@pytest.fixture
def notebook(lab_server: LabServer) -> Callable[[str, list[str]], str]:
    def make(name: str, cells: list[str]) -> str:
        return write_notebook(lab_server.root_dir, name, cells)

    return make
