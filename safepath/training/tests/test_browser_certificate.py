"""End to end in Chromium with JavaScript off: a learner takes a scenario and the assessment
in Spanish, passes and gets a certificate whose QR code opens the verification page; an
administrator revokes it and the page says so."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import yaml
import zxingcpp
from django.conf import settings
from playwright.sync_api import Page, expect

from safepath.core.testing import Deployment, Server, deployment
from safepath.core.testing import sign_in as sign_in_with_second_factor

pytestmark = pytest.mark.browser

SPANISH = Path(settings.BASE_DIR) / "content/training/law-enforcement/es.yaml"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Deployment]:
    with deployment(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as live:
        yield live


def user(summary: dict[str, Any], email_start: str) -> dict[str, Any]:
    return next(u for u in summary["users"] if u["email"].startswith(email_start))


def sign_in(page: Page, server: Server, account: dict[str, Any]) -> None:
    sign_in_with_second_factor(page, server.url, account)
    expect(page).to_have_url(f"{server.url}/dashboard/")


def play_scenario(page: Page) -> None:
    for _ in range(20):
        if page.locator("#scenario-done").count():
            return
        page.locator("input[name=choice]").first.check()
        # Wait for the next step's page: checking for the end on the old page under load
        # would then wait for a choice the final page does not have.
        with page.expect_navigation():
            page.get_by_role("button", name="Elegir").click()  # the interface speaks Spanish too
    raise AssertionError("the scenario did not end")


BACKDATE = (
    "from datetime import timedelta; from django.utils import timezone; "
    "from safepath.training.models import LessonProgress; "
    "LessonProgress.objects.filter(completed_at__isnull=True)"
    ".update(opened_at=timezone.now() - timedelta(minutes=10))"
)


def read_every_lesson(page: Page, live: Deployment) -> None:
    """Read the lessons in order; the server measures the time, so let ten minutes pass on
    its clock for each lesson (the rows that say when each was opened move back)."""
    page.get_by_role("link", name="Continuar donde lo dejó").click()
    for _ in range(20):
        live.manage("shell", "-c", BACKDATE)
        buttons = page.locator("article.lesson ~ form button")
        buttons.click()
        if "/lessons/" not in page.url:
            return
    raise AssertionError("the lessons did not end")


def answer_correctly(page: Page) -> None:
    bank = yaml.safe_load(SPANISH.read_text())["assessment"]["questions"]
    correct = {q["prompt"]: next(c["text"] for c in q["choices"] if c.get("correct")) for q in bank}
    fieldsets = page.locator("form.quiz fieldset")
    for index in range(fieldsets.count()):
        fieldset = fieldsets.nth(index)
        prompt = fieldset.locator("legend").inner_text().split(". ", 1)[1].strip()
        labels = fieldset.locator("label")
        for choice in range(labels.count()):
            if labels.nth(choice).inner_text().strip() == correct[prompt].strip():
                labels.nth(choice).locator("input").check()
                break
        else:
            raise AssertionError(f"no correct choice shown for {prompt!r}")


def test_learner_passes_in_spanish_and_the_admin_revokes(live: Deployment, chromium: Any) -> None:
    server = live.start_server(worker=False)
    learner = chromium.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    admin = chromium.new_context(java_script_enabled=False)
    public = chromium.new_context(java_script_enabled=False)
    try:
        page = learner.new_page()
        sign_in(page, server, user(live.summary, "bob@"))
        page.goto(f"{server.url}/training/")
        page.get_by_role(
            "link", name="Human Trafficking: Recognition and Response for Law Enforcement"
        ).click()
        page.select_option("#language", "es")
        page.get_by_role("button", name="Change language").click()
        expect(page.locator("h1")).to_contain_text("Trata de personas")

        course_url = page.url
        read_every_lesson(page, live)
        for index in range(3):
            page.goto(course_url)
            page.locator("ol.steps").nth(1).locator("a").nth(index).click()
            play_scenario(page)
        page.goto(course_url + "assessment/")
        page.get_by_role("button", name="Comenzar la evaluación").click()
        answer_correctly(page)
        page.get_by_role("button", name="Enviar respuestas").click()
        expect(page.locator("#passed")).to_be_visible()

        pdf = page.request.get(
            server.url + page.locator("#certificate-link").get_attribute("href")
        ).body()
        image = pypdfium2.PdfDocument(io.BytesIO(pdf))[0].render(scale=3).to_pil()
        verify_urls = [result.text for result in zxingcpp.read_barcodes(image)]
        assert len(verify_urls) == 1 and verify_urls[0].startswith(f"{server.url}/verify/")
        certificate_id = verify_urls[0].rsplit("/", 1)[1]

        verifier = public.new_page()
        verifier.goto(verify_urls[0])
        expect(verifier.locator("#status")).to_have_text("Valid")
        expect(verifier.locator("body")).to_contain_text("Trata de personas")
        expect(verifier.locator("body")).to_contain_text("Riverside Police Department")

        office = admin.new_page()
        sign_in(office, server, user(live.summary, "alice@"))
        office.goto(f"{server.url}/training/manage/certificates/{certificate_id}/")
        office.fill("#id_reason", "Issued in error during the demo")
        office.get_by_role("button", name="Revoke this certificate").click()
        expect(office.locator("#certificate-status")).to_contain_text("revoked")

        verifier.reload()
        expect(verifier.locator("#status")).to_have_text("Revoked")
    finally:
        learner.close()
        admin.close()
        public.close()
