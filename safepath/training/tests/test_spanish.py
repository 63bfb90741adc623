"""Learners who choose Spanish get the whole training interface in Spanish — buttons, labels,
messages and reminder emails — while the other staff pages stay in English."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from safepath.accounts.models import User
from safepath.training import services
from safepath.training.models import Assignment
from safepath.training.selectors import version_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish(bob_client: Client, bob_assignment: Assignment) -> Assignment:
    response = bob_client.post(f"/training/a/{bob_assignment.pk}/", {"language": "es"})
    assert response.status_code == 302
    bob_assignment.refresh_from_db()
    return bob_assignment


def test_a_spanish_learner_sees_spanish_buttons_and_labels(
    bob_client: Client, spanish: Assignment
) -> None:
    version = version_for(assignment=spanish)
    lesson = version.data["lessons"][0]["id"]
    scenario = version.data["scenarios"][0]["id"]

    overview = bob_client.get(f"/training/a/{spanish.pk}/").content.decode()
    reading = bob_client.get(f"/training/a/{spanish.pk}/lessons/{lesson}/").content.decode()
    playing = bob_client.get(f"/training/a/{spanish.pk}/scenarios/{scenario}/").content.decode()
    assessing = bob_client.get(f"/training/a/{spanish.pk}/assessment/").content.decode()

    assert version.language == "es"
    assert "Continuar donde lo dejó" in overview and "Casos de práctica" in overview
    assert "Continue where you left off" not in overview
    assert 'lang="es"' in overview
    assert "Marcar como leída y continuar" in reading and "Mark as read" not in reading
    assert "¿Qué hace usted?" in playing and ">Elegir</button>" in playing
    assert "Comenzar la evaluación" in assessing and "Start the assessment" not in assessing


def test_messages_after_a_spanish_learners_post_are_spanish(
    bob_client: Client, spanish: Assignment
) -> None:
    scenario = version_for(assignment=spanish).data["scenarios"][0]
    url = f"/training/a/{spanish.pk}/scenarios/{scenario['id']}/"

    bob_client.post(url, {"node": scenario["start"], "choice": "not a number"})
    page = bob_client.get(url).content.decode()

    assert "Elija una de las opciones." in page


def test_the_learners_home_follows_their_choice_and_staff_pages_stay_english(
    bob_client: Client, spanish: Assignment
) -> None:
    home = bob_client.get("/training/").content.decode()
    dashboard = bob_client.get("/dashboard/").content.decode()
    bob_client.post("/training/", {"language": "en"})
    english_home = bob_client.get("/training/").content.decode()
    refused = bob_client.post("/training/", {"language": "xx"}, follow=True).content.decode()

    assert "Mi formación" in home and "Asignado a mí" in home
    assert 'lang="en"' in dashboard and "Mi formación" not in dashboard
    assert "My training" in english_home and "Mi formación" not in english_home
    assert "Please choose a language from the list." in refused


def send_reminders(mailoutbox: list[Any]) -> dict[str, Any]:
    services.reminders_queue()
    services.reminders_send_due()
    return {message.to[0]: message for message in mailoutbox}


def test_a_spanish_learners_reminder_email_is_spanish(
    mailoutbox: list[Any], spanish: Assignment, alice: User, courses: Any
) -> None:
    soon = timezone.localdate() + timedelta(days=5)
    Assignment.objects.filter(pk=spanish.pk).update(due_on=soon)
    english = Assignment.objects.create(
        organization=spanish.organization,
        user=alice,
        course=spanish.course,
        source="person",
        due_on=soon,
    )

    sent = send_reminders(mailoutbox)

    to_bob, to_alice = sent[spanish.user.email], sent[english.user.email]
    assert to_bob.subject == f"Formación SafePath: fecha límite {soon}"
    assert "Continúe donde lo dejó" in to_bob.body
    assert version_for(assignment=spanish).title in to_bob.body
    assert to_alice.subject == f"SafePath training due on {soon}"
    assert "Continue where you left off" in to_alice.body
