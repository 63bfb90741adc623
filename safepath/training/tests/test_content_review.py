"""The subject-matter review's fixes stay fixed: facts, the three role-play best answers,
scores that agreed with the lessons, the code warnings and the hot-spot patrol lesson."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

CONTENT = Path(settings.BASE_DIR) / "content" / "training"
COURSES = ("law-enforcement", "healthcare", "schools", "hospitality-transport")


def course(slug: str, language: str = "en") -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CONTENT / slug / f"{language}.yaml").read_text())
    return data


def text_of(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, width=10**6)


def best(data: dict[str, Any], scenario_id: str, node: str) -> dict[str, Any]:
    scenario = next(s for s in data["scenarios"] if s["id"] == scenario_id)
    choices = scenario["nodes"][node]["choices"]
    return dict(max(choices, key=lambda choice: choice["score"]))


def choice(data: dict[str, Any], label_start: str) -> dict[str, Any]:
    for scenario in data["scenarios"]:
        for node in scenario["nodes"].values():
            for option in node["choices"]:
                if option["label"].startswith(label_start):
                    return dict(option)
    raise AssertionError(label_start)


@pytest.mark.parametrize("slug", ["healthcare", "schools"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_child_labor_trafficking_is_not_called_child_abuse_under_federal_law(
    slug: str, language: str
) -> None:
    text = text_of(course(slug, language))

    assert "sexual or labor, is child abuse" not in text
    assert "sexual o laboral, es maltrato infantil" not in text
    assert "CAPTA" in text


def test_law_enforcement_facts() -> None:
    text = text_of(course("law-enforcement"))

    assert "only federal law enforcement can request" in text
    assert "never a bargaining chip" in text
    assert "Declaration for Trafficking Victim" in text and "It is optional" in text
    assert "Rodriguez v. United States" in text and "reasonable suspicion" in text
    assert "Declaration of Law Enforcement Officer" not in text


def test_the_schools_course_does_not_call_safepaths_design_department_guidance() -> None:
    text = text_of(course("schools"))

    assert "in most cases" in text and "not Department policy" in text
    assert "as the Department of Education guidance implies" not in text
    assert "follows Department of Education guidance" not in text


def test_the_hotline_is_confidential_with_limits_and_the_state_list_is_fuller() -> None:
    for language in ("en", "es"):
        text = text_of(course("hospitality-transport", language))
        assert "Texas" in text
        assert "New Jersey" in text or "Nueva Jersey" in text
        assert "911" in text
    english = text_of(course("hospitality-transport"))
    assert "reports suspected abuse of a child" in english
    assert "Reports made in good faith are an expected part of your job" not in english


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_three_best_answers(language: str) -> None:
    bus = best(course("schools", language), "bus-driver", "n1")
    hotel = best(course("hospitality-transport", language), "front-desk-checkin", "n1")
    clinic = best(course("healthcare", language), "teen-clinic", "n1")
    stay = best(course("healthcare", language), "teen-clinic", "n4")

    if language == "en":
        assert "radio dispatch now" in bus["label"] and "no-release" in bus["label"]
        assert "call law enforcement" in hotel["label"]
        assert "what stays confidential" in clinic["label"]
        assert "encourage her to stay" in stay["label"]
        assert "without holding her" in stay["label"]
    else:
        assert "por radio a la central" in bus["label"]
        assert "llamen a las fuerzas del orden" in hotel["label"]
        assert "confidencialidad" in clinic["label"]
        assert "animarla a quedarse" in stay["label"] and "sin retenerla" in stay["label"]


def test_scores_agree_with_the_lessons() -> None:
    data = course("law-enforcement")

    assert choice(data, "Log the report for the task force")["score"] < 0
    assert choice(data, "Ask her directly: 'Is he your pimp?'")["score"] < 0


@pytest.mark.parametrize("slug", COURSES)
@pytest.mark.parametrize("language", ["en", "es"])
def test_wherever_a_course_points_to_a_code_it_warns_and_says_911(slug: str, language: str) -> None:
    data = course(slug, language)
    pointing = [lesson for lesson in data["lessons"] if "QR" in lesson["body"]]

    assert pointing
    for lesson in pointing:
        assert "911" in lesson["body"], lesson["id"]
        assert "monitored" in lesson["body"] or "vigilado" in lesson["body"], lesson["id"]


def test_locker_rooms_are_not_recommended_for_school_codes() -> None:
    data = course("schools")
    placement = next(lesson for lesson in data["lessons"] if "QR" in lesson["body"])

    assert "- Locker room" not in placement["body"]
    assert "Locker rooms are a poor choice" in placement["body"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_law_enforcement_has_the_hot_spot_patrol_lesson(language: str) -> None:
    lesson = next(
        lesson
        for lesson in course("law-enforcement", language)["lessons"]
        if lesson["id"] == "hot-spot-patrol"
    )

    assert "SafePath" in lesson["body"]
    assert "reasonable suspicion" in lesson["body"] or "sospecha razonable" in lesson["body"]


# The review's coverage gaps (issue 15, second pass): short, correct content in both
# languages. Each check names the fact a reader could get wrong.
COVERAGE = {
    "law-enforcement": {
        "en": [
            "Form I-918 Supplement B, U Nonimmigrant Status Certification",
            "it does not grant status, which only USCIS decides",
            "18 U.S.C. §1595",
            "knew or should have known",
            "within 10 years after a victim who was a minor turns 18",
            "vacate or expunge convictions",
            "*Riley v. California* (2014)",
            "18 U.S.C. §2703(f)",
            "for 90 days, and the request may be renewed for another 90 days",
            "Preservation does not give you the records",
        ],
        "es": [
            "Formulario I-918, Suplemento B",
            "no concede ningún estatus",
            "18 U.S.C. §1595",
            "sabía o debía saber",
            "10 años después de que una víctima que era menor cumpla 18",
            "anule o borre condenas",
            "*Riley v. California* (2014)",
            "18 U.S.C. §2703(f)",
            "durante 90 días, y la solicitud puede renovarse por otros 90 días",
            "La conservación no le entrega los registros",
        ],
    },
    "healthcare": {
        "en": [
            "PEARR Tool",
            "Trafficking Victim Identification Tool (TVIT)",
            "a negative screen does not rule trafficking out",
            "SOAR",
        ],
        "es": [
            "herramienta PEARR",
            "Trafficking Victim Identification Tool (TVIT)",
            "un resultado negativo no descarta la trata",
            "SOAR",
        ],
    },
    "schools": {
        "en": [
            "significant cognitive disabilities",
            "sextortion",
            "Take It Down",
            "McKinney-Vento",
            "1-800-843-5678",
        ],
        "es": [
            "discapacidades cognitivas significativas",
            "sextorsión",
            "Take It Down",
            "McKinney-Vento",
            "1-800-843-5678",
        ],
    },
}


@pytest.mark.parametrize("slug", sorted(COVERAGE))
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_reviews_coverage_gaps_are_taught(slug: str, language: str) -> None:
    data = course(slug, language)
    lessons = " ".join(lesson["body"] for lesson in data["lessons"])

    for fact in COVERAGE[slug][language]:
        assert fact in lessons, fact


GENDERED_IN_SPANISH_ONLY = (
    "una chica",
    "una paciente adulta",
    "a una paciente escanear",
    "una pasajera",
    "el conductor responde",
    "un taquillero",
    "una huésped",
)
GENDER_IN_ENGLISH = re.compile(r"\b(she|her|he|him|his|man|woman|girl|boy)\b", re.IGNORECASE)


@pytest.mark.parametrize("slug", COURSES)
def test_spanish_questions_add_no_gender_the_english_does_not_have(slug: str) -> None:
    english = {q["id"]: q for q in course(slug)["assessment"]["questions"]}
    spanish = course(slug, "es")["assessment"]["questions"]

    for question in spanish:
        source = english[question["id"]]
        if GENDER_IN_ENGLISH.search(source["prompt"]):
            continue
        prompt = question["prompt"].lower()
        for phrase in GENDERED_IN_SPANISH_ONLY:
            assert phrase not in prompt, (question["id"], phrase)
