"""Course files: the shipped ones are valid; malformed ones are rejected with the file and
line; loading is idempotent and a changed file becomes a new immutable version."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from safepath.training.content import ContentError, load_all, load_course_dir
from safepath.training.models import CourseVersion, ImmutableError

CONTENT = Path(settings.BASE_DIR) / "content" / "training"


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    root = tmp_path / "training"
    shutil.copytree(CONTENT / "schools", root / "schools")
    return root


def edit(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace text in a course file; return the 1-based line of the first replacement."""
    text = path.read_text()
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count))
    return line


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_course_dir(directory)
    return [str(problem) for problem in caught.value.problems]


def test_shipped_courses_are_valid_in_both_languages() -> None:
    files = load_all(CONTENT)

    assert {(f.slug, f.language) for f in files} == {
        (slug, language)
        for slug in ("law-enforcement", "healthcare", "schools", "hospitality-transport")
        for language in ("en", "es")
    }


def test_a_dangling_next_names_the_file_and_line(course_copy: Path) -> None:
    path = course_copy / "schools" / "en.yaml"
    line = edit(path, "next: n2", "next: n99")

    problems = problems_of(course_copy / "schools")

    assert any(f"{path}:{line}:" in p and "missing node 'n99'" in p for p in problems), problems


def test_a_question_with_two_correct_answers_is_rejected(course_copy: Path) -> None:
    path = course_copy / "schools" / "es.yaml"
    text = path.read_text()
    # Mark the first wrong choice after the first correct one as correct too.
    first = text.index("correct: true")
    choice = text.index("- text:", first)
    indent = text.rfind("\n", 0, choice) + 1
    pad = " " * (choice - indent + 2)
    end = text.index("\n", choice)
    path.write_text(text[:end] + f"\n{pad}correct: true" + text[end:])

    problems = problems_of(course_copy / "schools")

    assert any(str(path) in p and "exactly one correct choice, has 2" in p for p in problems)


def test_a_parse_error_names_the_line(course_copy: Path) -> None:
    path = course_copy / "schools" / "en.yaml"
    line = edit(path, "format: 1\n", "format: [1\n")

    problems = problems_of(course_copy / "schools")

    assert any(p.startswith(f"{path}:") and "does not parse" in p for p in problems), problems
    assert line == 1


def test_a_missing_field_and_wrong_type_are_named(course_copy: Path) -> None:
    path = course_copy / "schools" / "en.yaml"
    line = edit(path, "  estimated_minutes:", "  estimated_minutes: many\n  unused:")

    problems = problems_of(course_copy / "schools")

    assert any(f"{path}:{line}: course.estimated_minutes: must be a int" in p for p in problems), (
        problems
    )


def test_languages_must_match_structurally(course_copy: Path) -> None:
    path = course_copy / "schools" / "es.yaml"
    line = edit(path, "score: 1", "score: 0")

    problems = problems_of(course_copy / "schools")

    assert any(f"{path}:" in p and "differs from en.yaml" in p for p in problems), problems
    assert line > 1


def test_anchors_are_rejected(course_copy: Path) -> None:
    path = course_copy / "schools" / "en.yaml"
    line = edit(path, "format: 1", "format: &f 1")

    assert f"{path}:{line}: anchors, aliases and tags are not used" in problems_of(
        course_copy / "schools"
    )


def test_a_cycle_is_rejected(course_copy: Path) -> None:
    path = course_copy / "schools" / "en.yaml"
    text = path.read_text()
    # Point the first "end: true" of the first scenario back to its start.
    start = text.index("scenarios:")
    end_at = text.index("end: true", start)
    path.write_text(text[:end_at] + "next: n1" + text[end_at + len("end: true") :])
    # The Spanish file must differ in structure too for the cycle to be the only problem:
    problems = problems_of(course_copy / "schools")

    assert any(str(path) in p and "cycle" in p for p in problems), problems


@pytest.mark.django_db
def test_loading_is_idempotent_and_a_change_makes_a_new_version(course_copy: Path) -> None:
    out = StringIO()
    call_command("load_courses", "--path", str(course_copy), stdout=out)
    call_command("load_courses", "--path", str(course_copy), stdout=out)
    assert CourseVersion.objects.count() == 2
    assert "0 new course versions, 2 unchanged." in out.getvalue()

    edit(course_copy / "schools" / "en.yaml", 'title: "', 'title: "Revised: ')
    call_command("load_courses", "--path", str(course_copy), stdout=out)

    english = CourseVersion.objects.filter(language="en").order_by("number")
    assert [v.number for v in english] == [1, 2]
    assert english[1].title.startswith("Revised: ")
    assert english[0].sha256 != english[1].sha256


@pytest.mark.django_db
def test_a_course_version_cannot_be_changed(course_copy: Path) -> None:
    call_command("load_courses", "--path", str(course_copy), stdout=StringIO())
    version = CourseVersion.objects.first()
    assert version is not None
    version.title = "tampered"

    with pytest.raises(ImmutableError):
        version.save()


@pytest.mark.django_db
def test_the_command_fails_with_the_problems(course_copy: Path) -> None:
    edit(course_copy / "schools" / "en.yaml", "pass_mark: 80", "pass_mark: 180")

    with pytest.raises(CommandError, match=r"en.yaml:\d+: assessment.pass_mark"):
        call_command("load_courses", "--path", str(course_copy), stdout=StringIO())
    assert not CourseVersion.objects.exists()


@pytest.fixture
def third_language(course_copy: Path) -> Path:
    """The schools course with a third language file, fr.yaml, beside en and es: the same
    structure and ids, its own title and first lesson title."""
    english = course_copy / "schools" / "en.yaml"
    french = course_copy / "schools" / "fr.yaml"
    text = english.read_text().replace("  language: en\n", "  language: fr\n", 1)
    title = yaml.safe_load(text)["course"]["title"]
    lesson = yaml.safe_load(text)["lessons"][0]["title"]
    text = text.replace(title, "La traite des êtres humains : guide pour le personnel scolaire")
    french.write_text(text.replace(f'title: "{lesson}"', 'title: "Reconnaître les signes"', 1))
    return course_copy


@pytest.mark.django_db
def test_a_third_language_loads_and_is_offered_without_code_changes(
    third_language: Path, client: Client
) -> None:
    from safepath.accounts.models import Membership, Organization, Role, User
    from safepath.conftest import logged_in
    from safepath.training.models import Assignment, AssignmentSource, Course
    from safepath.training.services import course_versions_load

    files = load_all(third_language)
    course_versions_load(files=files)
    organization = Organization.objects.create(slug="org", name="Org")
    learner = User.objects.create_user("learner@org.test", None)
    Membership.objects.create(user=learner, organization=organization, role=Role.RESPONDER)
    assignment = Assignment.objects.create(
        organization=organization,
        user=learner,
        course=Course.objects.get(slug="schools"),
        source=AssignmentSource.SELF,
    )
    browser = logged_in(learner)

    browser.post(f"/training/a/{assignment.pk}/", {"language": "fr"})
    page = browser.get(f"/training/a/{assignment.pk}/").content.decode()

    assert {f.language for f in files} == {"en", "es", "fr"}
    assert CourseVersion.objects.filter(language="fr").count() == 1
    assert "La traite des êtres humains" in page and "Reconnaître les signes" in page
    assert '<option value="fr" selected>français</option>' in page


def test_a_third_language_must_match_the_structure(third_language: Path) -> None:
    french = third_language / "schools" / "fr.yaml"
    edit(french, "next: n2", "next: n3")

    assert any("fr.yaml" in problem for problem in problems_of(third_language / "schools"))
