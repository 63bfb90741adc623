"""The law-enforcement course's "local resources and laws" lesson: each organization writes
its own text (Markdown, raw HTML off, size-limited, per language) and its learners read it
instead of the placeholder; other organizations' learners still see the placeholder."""

from __future__ import annotations

import pytest
from django.test import Client

from safepath.accounts.models import Organization, User
from safepath.core.models import AuditEntry
from safepath.training.models import (
    LOCAL_LESSON_MAX_CHARS,
    Assignment,
    AssignmentSource,
    Course,
    LocalLesson,
)

pytestmark = pytest.mark.django_db

EDIT = "/training/manage/lessons/law-enforcement/local-resources/"
PLACEHOLDER = "This lesson is filled in by your organization."


def read(client: Client, assignment: Assignment) -> str:
    """Open the local lesson, reading the ones before it first (lessons open in order)."""
    from safepath.training.selectors import version_for
    from safepath.training.tests.conftest import let_time_pass

    base = f"/training/a/{assignment.pk}/lessons"
    for lesson in version_for(assignment=assignment).data["lessons"]:
        if lesson["id"] == "local-resources":
            break
        client.get(f"{base}/{lesson['id']}/")
        let_time_pass(assignment)
        client.post(f"{base}/{lesson['id']}/")
    return client.get(f"{base}/local-resources/").content.decode()


def test_learners_read_their_organizations_text_in_their_language(
    alice_client: Client, bob_client: Client, bob_assignment: Assignment
) -> None:
    before = read(bob_client, bob_assignment)

    response = alice_client.post(
        EDIT,
        {
            "body_en": "### Riverside contacts\n\n- **Task force:** 555-0100",
            "body_es": "### Contactos de Riverside\n\n- **Grupo de trabajo:** 555-0100",
        },
    )
    english = read(bob_client, bob_assignment)
    bob_client.post(f"/training/a/{bob_assignment.pk}/", {"language": "es"})
    spanish = read(bob_client, bob_assignment)

    assert response.status_code == 302
    assert PLACEHOLDER in before
    assert "<h3>Riverside contacts</h3>" in english and PLACEHOLDER not in english
    assert "<strong>Task force:</strong>" in english
    assert "<h3>Contactos de Riverside</h3>" in spanish
    assert AuditEntry.objects.get(action="training.local_lesson_saved").actor is not None


def test_raw_html_is_shown_as_text_not_markup(
    alice_client: Client, bob_client: Client, bob_assignment: Assignment
) -> None:
    alice_client.post(EDIT, {"body_en": '<script>alert(1)</script>\n\n<a href="x">y</a>'})

    page = read(bob_client, bob_assignment)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_another_organizations_learners_still_see_the_placeholder(
    alice_client: Client,
    charlie: User,
    charlie_client: Client,
    st_brigid: Organization,
    courses: dict[str, Course],
) -> None:
    alice_client.post(EDIT, {"body_en": "Riverside only"})
    theirs = Assignment.objects.create(
        organization=st_brigid,
        user=charlie,
        course=courses["law-enforcement"],
        source=AssignmentSource.SELF,
    )

    page = read(charlie_client, theirs)
    editor = charlie_client.get(EDIT).content.decode()

    assert PLACEHOLDER in page and "Riverside only" not in page
    assert "Riverside only" not in editor


def test_english_stands_in_when_the_spanish_text_is_missing(
    alice_client: Client, bob_client: Client, bob_assignment: Assignment
) -> None:
    alice_client.post(EDIT, {"body_en": "Call the Riverside task force."})
    bob_client.post(f"/training/a/{bob_assignment.pk}/", {"language": "es"})

    assert "Call the Riverside task force." in read(bob_client, bob_assignment)


def test_too_long_a_text_is_a_400_and_saves_nothing(
    alice_client: Client, courses: dict[str, Course]
) -> None:
    response = alice_client.post(
        EDIT, {"body_en": "ok", "body_es": "x" * (LOCAL_LESSON_MAX_CHARS + 1)}
    )

    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not LocalLesson.objects.exists()


def test_an_empty_text_brings_the_placeholder_back(
    alice_client: Client, bob_client: Client, bob_assignment: Assignment
) -> None:
    alice_client.post(EDIT, {"body_en": "Local text"})
    alice_client.post(EDIT, {"body_en": "  "})

    assert PLACEHOLDER in read(bob_client, bob_assignment)
    assert not LocalLesson.objects.exists()


def test_only_the_lessons_meant_for_organizations_and_only_admins(
    alice_client: Client, bob_client: Client, courses: dict[str, Course]
) -> None:
    other = "/training/manage/lessons/law-enforcement/recognizing-indicators/"

    assert alice_client.get(EDIT).status_code == 200
    assert alice_client.post(other, {"body_en": "mine now"}).status_code == 404
    assert bob_client.get(EDIT).status_code == 404
    assert bob_client.post(EDIT, {"body_en": "mine now"}).status_code == 404
    assert not LocalLesson.objects.exists()
