"""WCAG 2.2 AA on every reporter page, checked by axe-core in Chromium, English and Arabic.

axe-core comes from the npm registry at test time into a cache outside the repository
(nothing is committed). Without it the test fails in CI (SAFEPATH_REQUIRE_BROWSER=1) with a
clear message, and is skipped visibly elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from safepath.core.testing import Deployment, Server, deployment
from safepath.reports.questions import QUESTION_LIST

pytestmark = pytest.mark.browser

AXE_DIR = Path(os.environ.get("SAFEPATH_AXE_DIR", Path.home() / ".cache" / "safepath-axe"))
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_VERSION = "4"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def install_axe() -> Path:
    if AXE_JS.exists():
        return AXE_JS
    npm = shutil.which("npm")
    problem = "npm is not installed (apt-get install npm)"
    if npm:
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [npm, "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund",
             f"axe-core@{AXE_VERSION}"],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if AXE_JS.exists():
            return AXE_JS
        problem = f"npm install axe-core failed:\n{result.stderr[-2000:]}"
    message = f"axe-core is needed for the accessibility test and is missing: {problem}"
    if os.environ.get("SAFEPATH_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def axe() -> Path:
    return install_axe()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, Server]]:
    with deployment(tmp_path_factory.mktemp("axe")) as live:
        yield live, live.start_server(worker=False)


def violations(page: Page, axe: Path, label: str) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        f"{label}: {v['id']} ({v['impact']}): {v['help']} at {targets}"
        for v in result["violations"]
        for targets in [[node["target"] for node in v["nodes"]][:3]]
    ]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_reporter_page_has_no_axe_violations(
    live: tuple[Deployment, Server], chromium: Any, axe: Path, lang: str
) -> None:
    deployed, server = live
    code = deployed.summary["placements"][0]["code"]
    # Bypassing CSP only lets the test inject axe; the pages are the real ones.
    context = chromium.new_context(
        bypass_csp=True, locale=lang, viewport={"width": 320, "height": 640}
    )
    found: list[str] = []
    try:
        page = context.new_page()
        for url in ("/", "/help/", "/Q/ZZZZZZZZZZ", "/followup/"):
            page.goto(f"{server.url}{url}")
            found += violations(page, axe, url)
        page.fill("#receipt", "12")
        page.click("#open")
        expect(page.locator("#receipt-error")).to_be_visible()
        found += violations(page, axe, "bad receipt")

        page.goto(f"{server.url}/Q/{code}")
        found += violations(page, axe, "landing")
        page.click("#start")
        for index, question in enumerate(QUESTION_LIST):
            expect(page.locator(f"main input[name=step][value={question.key}]")).to_have_count(1)
            found += violations(page, axe, question.key)
            if index == 0:
                page.check("input[name=choice][value=me]")
                page.click("#next")
            elif question.key == "details":
                page.fill("#text", "x" * 4001)  # past the limit: the error state is checked too
                page.evaluate("document.getElementById('text').removeAttribute('maxlength')")
                page.fill("#text", "x" * 4001)
                page.click("#next")
                expect(page.locator("#text-error")).to_be_visible()
                found += violations(page, axe, "details with an error")
                page.click("#skip")
            else:
                page.click("#skip")
        expect(page.locator("#receipt")).to_be_visible()
        found += violations(page, axe, "receipt")
        receipt = page.locator("#receipt").inner_text()
        page.click("#saved-it")
        expect(page.locator("#add-more")).to_be_visible()
        found += violations(page, axe, "finished")

        page.goto(f"{server.url}/followup/")
        page.fill("#receipt", receipt)
        page.click("#open")
        expect(page.locator("#status")).to_be_visible()
        found += violations(page, axe, "follow-up")
        page.click("details.lang summary")
        found += violations(page, axe, "language switcher open")
    finally:
        context.close()

    assert found == []
