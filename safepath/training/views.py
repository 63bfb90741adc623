"""Training views: the learner's pages, the administrators' pages and the public
verification page. Thin: reads come from selectors, writes from services."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from safepath.accounts import services as accounts_services
from safepath.accounts.access import memberships_for
from safepath.accounts.models import Organization
from safepath.core.db import as_row_id
from safepath.core.spreadsheets import spreadsheet_safe
from safepath.training import selectors, services
from safepath.training.forms import (
    AdoptForm,
    AssignForm,
    ExternalRecordForm,
    HireDateForm,
    LicenceForm,
    LocalLessonForm,
    OwnRequirementForm,
    RequirementForm,
    RevokeForm,
    SessionForm,
)
from safepath.training.markdown import render as markdown
from safepath.training.models import (
    ORGANIZATION_LESSONS,
    Assignment,
    Course,
    Language,
    ScenarioRun,
    SessionSeat,
    TrainingSettings,
)
from safepath.training.pdf import compliance_pdf, transcript_pdf
from safepath.training.xapi import completion_statements, organization_statements

COMPLIANCE_PAGE_SIZE = 100
# The language a learner last chose (or last studied in), for pages without an assignment.
LANGUAGE_SESSION_KEY = "training_language"


def _error(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def learner_page(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Fetch the learner's own assignment (404 otherwise) and run the whole view, POST
    included, in the language the learner chose for it, so that buttons, labels and
    messages speak the same language as the course content."""

    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        assignment = selectors.get_assignment_for_learner(user=request.user, pk=pk)
        if request.session.get(LANGUAGE_SESSION_KEY) != assignment.language:
            request.session[LANGUAGE_SESSION_KEY] = assignment.language
        with translation.override(assignment.language):
            return view(request, assignment, **kwargs)

    return wrapper


def _learner_context(assignment: Assignment) -> dict[str, Any]:
    version = selectors.version_for(assignment=assignment)
    return {
        "LANGUAGE_CODE": assignment.language,  # for <html lang>; staff_base reads it
        "assignment": assignment,
        "version": version,
        "languages": selectors.available_languages(course=assignment.course),
    }


# Learners ----------------------------------------------------------------------------------


def _learner_language(request: HttpRequest) -> str:
    """The language the learner chose last, else the one their newest assignment is in,
    else the browser's if a course speaks it, else English."""
    chosen = request.session.get(LANGUAGE_SESSION_KEY)
    if chosen in dict(Language.choices):
        return str(chosen)
    newest = selectors.assignments_for_learner(user=request.user).order_by("-pk").first()
    if newest is not None:
        return newest.language
    browser = getattr(request, "LANGUAGE_CODE", "")
    return browser if browser in dict(Language.choices) else Language.EN


@login_required
@require_http_methods(["GET", "POST"])
def learner_home(request: HttpRequest) -> HttpResponse:
    with translation.override(_learner_language(request)):
        return _learner_home(request)


def _learner_home(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "language" in request.POST:
        language = request.POST["language"]
        if language in dict(Language.choices):
            request.session[LANGUAGE_SESSION_KEY] = language
        else:
            messages.error(request, _("Please choose a language from the list."))
        return redirect("training:home")
    if request.method == "POST":
        organization = Organization.objects.filter(
            pk__in=[m.organization_id for m in memberships_for(request.user)],
            slug=request.POST.get("organization", ""),
        ).first()
        course = Course.objects.filter(slug=request.POST.get("course", "")).first()
        if organization is None or course is None:
            messages.error(request, _("Please choose a course from the list."))
            return redirect("training:home")
        try:
            assignment = services.assignment_self_enrol(
                user=request.user,  # type: ignore[arg-type]  # login_required
                organization=organization,
                course=course,
            )
        except ValidationError as error:
            _error(request, error)
            return redirect("training:home")
        return redirect("training:assignment", pk=assignment.pk)
    assignments = list(selectors.assignments_for_learner(user=request.user))
    for assignment in assignments:
        assignment.title = selectors.course_title(  # type: ignore[attr-defined]
            course=assignment.course, language=assignment.language
        )
    return render(
        request,
        "training/home.html",
        {
            "assignments": assignments,
            "enrolable": selectors.self_enrolment_courses(user=request.user),
            "certificates": selectors.certificates_for_learner(user=request.user),
            "can_manage": bool(
                selectors.organization_ids_with(user=request.user, roles=selectors.VIEWERS)
            ),
            "today": timezone.localdate(),
            "languages": Language.choices,
            "LANGUAGE_CODE": translation.get_language(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@learner_page
def assignment_view(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    pk = assignment.pk
    if request.method == "POST":
        try:
            services.assignment_set_language(
                assignment=assignment, language=request.POST.get("language", "")
            )
        except ValidationError as error:
            _error(request, error)
        else:
            request.session[LANGUAGE_SESSION_KEY] = assignment.language
        return redirect("training:assignment", pk=pk)
    context = _learner_context(assignment)
    done = set(assignment.lessons.values_list("lesson_id", flat=True))
    runs = {run.scenario_id: run for run in assignment.scenarios.all()}
    attempts = list(assignment.attempts.all())
    data = context["version"].data
    lessons = [{**lesson, "done": lesson["id"] in done} for lesson in data["lessons"]]
    scenarios = [{**scenario, "run": runs.get(scenario["id"])} for scenario in data["scenarios"]]
    resume = next((lesson for lesson in lessons if not lesson["done"]), None)
    context.update(
        progress=selectors.progress_of(assignment=assignment),
        lessons=lessons,
        scenarios=scenarios,
        attempts=attempts,
        attempts_left=data["assessment"]["max_attempts"] - len(attempts),
        resume=resume,
        certificate=getattr(getattr(assignment, "completion", None), "certificate", None),
    )
    return render(request, "training/assignment.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@learner_page
def lesson_view(request: HttpRequest, assignment: Assignment, lesson_id: str) -> HttpResponse:
    pk = assignment.pk
    context = _learner_context(assignment)
    lessons = context["version"].data["lessons"]
    index = next((i for i, lesson in enumerate(lessons) if lesson["id"] == lesson_id), None)
    if index is None:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "ask":
        _ask(request, assignment, "lesson", lesson_id)
        return redirect("training:lesson", pk=pk, lesson_id=lesson_id)
    if request.method == "POST":
        try:
            services.lesson_complete(assignment=assignment, lesson_id=lesson_id)
        except ValidationError as error:
            _error(request, error)
            return redirect("training:lesson", pk=pk, lesson_id=lesson_id)
        if index + 1 < len(lessons):
            return redirect("training:lesson", pk=pk, lesson_id=lessons[index + 1]["id"])
        return redirect("training:assignment", pk=pk)
    try:
        progress = services.lesson_open(assignment=assignment, lesson_id=lesson_id)
    except ValidationError as error:
        _error(request, error)
        following = selectors.progress_of(assignment=assignment).next_lesson
        if following is None:
            return redirect("training:assignment", pk=pk)
        return redirect("training:lesson", pk=pk, lesson_id=following)
    local = selectors.local_lesson_body(
        organization_id=assignment.organization_id,
        course=assignment.course,
        lesson_id=lesson_id,
        language=assignment.language,
    )
    context.update(
        lesson=lessons[index],
        body=markdown(local if local is not None else lessons[index]["body"]),
        position=index + 1,
        count=len(lessons),
        read=progress.completed_at is not None,
        questions=selectors.questions_for_item(
            assignment=assignment, kind="lesson", item_id=lesson_id
        ),
        question_kind="lesson",
        question_item=lesson_id,
        minimum_minutes=-(-selectors.lesson_minimum_seconds(lessons[index]) // 60),
    )
    return render(request, "training/lesson.html", context)


def _ask(request: HttpRequest, assignment: Assignment, kind: str, item_id: str) -> None:
    """A learner's question on a lesson or scenario of their course."""
    try:
        services.question_ask(
            assignment=assignment,
            kind=kind,
            item_id=item_id,
            text=request.POST.get("text", "")[:5000],
            anonymous=request.POST.get("anonymous") == "on",
        )
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("Your question was sent to your trainers."))


@login_required
@require_http_methods(["GET", "POST"])
@learner_page
def scenario_view(request: HttpRequest, assignment: Assignment, scenario_id: str) -> HttpResponse:
    pk = assignment.pk
    scenario = selectors.scenario_of(assignment=assignment, scenario_id=scenario_id)
    if request.method == "POST" and request.POST.get("action") == "ask":
        _ask(request, assignment, "scenario", scenario_id)
        return redirect("training:scenario", pk=pk, scenario_id=scenario_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "restart":
                services.scenario_restart(assignment=assignment, scenario_id=scenario_id)
            else:
                services.scenario_choose(
                    assignment=assignment,
                    scenario_id=scenario_id,
                    node_id=request.POST.get("node", ""),
                    choice=int(request.POST.get("choice", "-1")),
                )
        except ValueError:
            messages.error(request, _("Please pick one of the choices."))
        except ValidationError as error:
            _error(request, error)
        return redirect("training:scenario", pk=pk, scenario_id=scenario_id)
    run = ScenarioRun.objects.filter(assignment=assignment, scenario_id=scenario_id).first()
    position = selectors.scenario_position(scenario=scenario, run=run)
    last = None
    if run is not None and run.path:
        node_id, choice = run.path[-1]
        last = scenario["nodes"][node_id]["choices"][choice]
    node = scenario["nodes"][position] if position else None
    context = _learner_context(assignment)
    context.update(
        scenario=scenario,
        run=run,
        position=position,
        node_text=markdown(node["text"]) if node else "",
        choices=list(enumerate(node["choices"])) if node else [],
        last=last,
        questions=selectors.questions_for_item(
            assignment=assignment, kind="scenario", item_id=scenario_id
        ),
        question_kind="scenario",
        question_item=scenario_id,
    )
    return render(request, "training/scenario.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@learner_page
def assessment_view(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    pk = assignment.pk
    context = _learner_context(assignment)
    bank = {q["id"]: q for q in context["version"].data["assessment"]["questions"]}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "start":
                services.attempt_start(assignment=assignment)
            else:
                attempt = assignment.attempts.filter(submitted_at__isnull=True).first()
                if attempt is None:
                    raise ValidationError(_("There is no attempt in progress."))
                answers: dict[str, int] = {}
                for item in attempt.questions:
                    raw = request.POST.get(f"q-{item['id']}")
                    choice = as_row_id(raw)
                    if choice is not None:
                        answers[item["id"]] = choice
                services.attempt_submit(attempt=attempt, answers=answers)
        except ValidationError as error:
            _error(request, error)
        return redirect("training:assessment", pk=pk)
    attempts = list(assignment.attempts.all())
    current = next((a for a in attempts if a.submitted_at is None), None)
    questions = []
    if current is not None:
        for item in current.questions:
            question = bank.get(item["id"])
            if question is not None:
                choices = [(i, question["choices"][i]["text"]) for i in item["order"]]
                questions.append(
                    {"id": item["id"], "prompt": question["prompt"], "choices": choices}
                )
    last = next((a for a in reversed(attempts) if a.submitted_at is not None), None)
    review = []
    if last is not None and current is None:
        for item in last.questions:
            question = bank.get(item["id"])
            if question is not None:
                picked = last.answers.get(item["id"])
                right = picked is not None and question["choices"][picked].get("correct")
                review.append(
                    {
                        "prompt": question["prompt"],
                        "right": right,
                        "explanation": question["explanation"],
                    }
                )
    assessment = context["version"].data["assessment"]
    context.update(
        current=current,
        questions=questions,
        last=last,
        review=review,
        assessment=assessment,
        attempts_left=assessment["max_attempts"] - len(attempts),
        certificate=getattr(getattr(assignment, "completion", None), "certificate", None),
        progress=selectors.progress_of(assignment=assignment),
    )
    return render(request, "training/assessment.html", context)


@login_required
@require_GET
def certificate_pdf_view(request: HttpRequest, pk: str) -> HttpResponse:
    certificate = selectors.get_certificate_for_holder_or_staff(user=request.user, pk=pk)
    response = HttpResponse(bytes(certificate.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.pk}.pdf"'
    return response


# Administrators -------------------------------------------------------------------------------


ORGANIZATION_SESSION_KEY = "training_organization"


def _chosen_organization(request: HttpRequest, roles: Iterable[str]) -> Organization:
    """The organization this person chose to manage (kept in the session), if they hold one
    of ``roles`` there; else the first they do, by name; 404 if none."""
    ids = selectors.organization_ids_with(user=request.user, roles=roles)
    chosen = request.session.get(ORGANIZATION_SESSION_KEY)
    organizations = Organization.objects.filter(pk__in=ids).order_by("name")
    organization = (
        organizations.filter(pk=int(chosen)).first() if isinstance(chosen, int) else None
    ) or organizations.first()
    if organization is None:
        raise Http404
    return organization


def _managed_organization(request: HttpRequest) -> Organization:
    return _chosen_organization(request, selectors.VIEWERS)


@login_required
@require_http_methods(["POST"])
def choose_organization(request: HttpRequest) -> HttpResponse:
    """Switch which organization's training this person manages."""
    ids = selectors.organization_ids_with(user=request.user, roles=selectors.VIEWERS)
    organization = Organization.objects.filter(
        pk__in=ids, slug=request.POST.get("organization", "")
    ).first()
    if organization is None:
        messages.error(request, _("Please choose one of your organizations."))
        return redirect("training:manage")
    request.session[ORGANIZATION_SESSION_KEY] = organization.pk
    return redirect("training:manage")


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    organization = _managed_organization(request)
    can_assign = organization.pk in selectors.organization_ids_with(
        user=request.user, roles=selectors.MANAGERS
    )
    form = AssignForm(request.POST or None, organization=organization)
    if request.method == "POST":
        if not can_assign:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            target = data["target"]
            try:
                created = services.assignments_create(
                    organization=organization,
                    course=data["course"],
                    due_on=data["due_on"],
                    valid_months=data["valid_months"],
                    assigned_by=request.user,  # type: ignore[arg-type]  # login_required
                    users=[data["person"].user] if target == "person" else [],
                    unit=data["unit"] if target == "unit" else None,
                    role=data["role"] if target == "role" else "",
                )
            except ValidationError as error:
                _error(request, error)
            else:
                messages.success(
                    request,
                    _(
                        "%(n)d assignments created. People who hold a valid completion of "
                        "the course were not assigned it again."
                    )
                    % {"n": len(created)},
                )
                return redirect("training:manage")
        status = 400
    else:
        status = 200
    return render(
        request,
        "training/manage.html",
        {
            "organization": organization,
            "form": form,
            "can_assign": can_assign,
            "assignments": selectors.assignments_for_manager(user=request.user).filter(
                organization=organization
            )[:200],
            "certificates": selectors.certificates_for_manager(user=request.user).filter(
                organization=organization
            )[:200],
            "units": selectors.units_for_viewer(user=request.user).filter(
                organization=organization
            ),
            "choices": Organization.objects.filter(
                pk__in=selectors.organization_ids_with(user=request.user, roles=selectors.VIEWERS)
            ).order_by("name"),
            "requirements": organization.requirements.filter(retired_at__isnull=True),
            "organization_lessons": sorted(ORGANIZATION_LESSONS),
            "today": timezone.localdate(),
        },
        status=status,
    )


def _administered_organization(request: HttpRequest) -> Organization:
    """The organization whose training this administrator manages; 404 for anyone else."""
    return _chosen_organization(request, selectors.MANAGERS)


@login_required
@require_http_methods(["GET", "POST"])
def requirements(request: HttpRequest) -> HttpResponse:
    """The organization's requirements and the library to adopt from."""
    organization = _administered_organization(request)
    creating = request.POST.get("action") == "create"
    form = AdoptForm(None if creating else (request.POST or None), organization=organization)
    own = OwnRequirementForm(request.POST if creating else None, organization=organization)
    status = 200
    if request.method == "POST" and creating:
        if own.is_valid():
            data = own.cleaned_data
            try:
                created = services.requirement_create(
                    organization=organization,
                    title=data["title"],
                    course=data["course"],
                    recurrence=data["recurrence"],
                    interval_months=data["interval_months"],
                    initial_days=data["initial_days"],
                    minimum_minutes=data["minimum_minutes"],
                    unit=data["unit"],
                    role=data["role"],
                    actor=request.user,  # type: ignore[arg-type]  # login_required
                )
            except ValidationError as error:
                _error(request, error)
            else:
                messages.success(request, _("Created “%(title)s”.") % {"title": created.title})
                return redirect("training:requirement", pk=created.pk)
        status = 400
    elif request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                requirement = services.requirement_adopt(
                    organization=organization,
                    template=data["template"],
                    unit=data["unit"],
                    role=data["role"],
                    code=data["code"],
                    actor=request.user,  # type: ignore[arg-type]  # login_required
                )
            except ValidationError as error:
                _error(request, error)
            else:
                messages.success(request, _("Adopted “%(title)s”.") % {"title": requirement.title})
                return redirect("training:requirement", pk=requirement.pk)
        status = 400
    return render(
        request,
        "training/requirements.html",
        {
            "organization": organization,
            "form": form,
            "own": own,
            "requirements": selectors.requirements_for_manager(user=request.user).filter(
                organization=organization
            ),
            "library": selectors.library_requirements(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def requirement_view(request: HttpRequest, pk: int) -> HttpResponse:
    requirement = selectors.get_requirement_for_manager(user=request.user, pk=pk)
    form = RequirementForm(
        request.POST if request.POST.get("action") == "edit" else None,
        initial={"due_soon_days": requirement.due_soon_days, "grace_days": requirement.grace_days},
    )
    status = 200
    if request.method == "POST":
        actor: Any = request.user  # login_required
        try:
            if request.POST.get("action") == "retire":
                services.requirement_retire(requirement=requirement, actor=actor)
                messages.success(request, _("The requirement was retired."))
                return redirect("training:requirements")
            if request.POST.get("action") != "edit":
                raise ValidationError(_("Please use one of the buttons on this page."))
            if form.is_valid():
                services.requirement_update(
                    requirement=requirement,
                    due_soon_days=form.cleaned_data["due_soon_days"],
                    grace_days=form.cleaned_data["grace_days"],
                    actor=actor,
                )
                messages.success(request, _("The requirement was saved."))
                return redirect("training:requirement", pk=pk)
        except ValidationError as error:
            _error(request, error)
        status = 400
    return render(
        request,
        "training/requirement.html",
        {"requirement": requirement, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def local_lesson(request: HttpRequest, course: str, lesson_id: str) -> HttpResponse:
    """An administrator writes the organization's own text for a lesson it fills in."""
    organization = _administered_organization(request)
    if (course, lesson_id) not in ORGANIZATION_LESSONS:
        raise Http404
    course_obj = Course.objects.filter(slug=course).first()
    if course_obj is None:
        raise Http404
    version = selectors.latest_version(course=course_obj, language="en")
    lessons = version.data["lessons"] if version is not None else []
    lesson = next((item for item in lessons if item["id"] == lesson_id), None)
    if lesson is None:
        raise Http404
    saved = selectors.local_lessons_for(
        organization=organization, course=course_obj, lesson_id=lesson_id
    )
    form = LocalLessonForm(
        request.POST or None,
        initial={"body_en": saved.get("en", ""), "body_es": saved.get("es", "")},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.local_lesson_save(
                    organization=organization,
                    course=course_obj,
                    lesson_id=lesson_id,
                    texts={"en": form.cleaned_data["body_en"], "es": form.cleaned_data["body_es"]},
                    actor=request.user,  # type: ignore[arg-type]  # login_required
                )
            except ValidationError as error:
                _error(request, error)
            else:
                messages.success(request, _("The lesson was saved."))
                return redirect("training:local_lesson", course=course, lesson_id=lesson_id)
        status = 400
    return render(
        request,
        "training/local_lesson.html",
        {
            "organization": organization,
            "lesson": lesson,
            "form": form,
            "placeholder": markdown(lesson["body"]),
            "previews": [
                (label, markdown(saved[code]))
                for code, label in Language.choices
                if saved.get(code)
            ],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def person(request: HttpRequest, pk: int) -> HttpResponse:
    """One member as the training administrator sees them: the hire date that "within N
    days of hire" requirements count from."""
    membership = selectors.get_membership_for_manager(user=request.user, pk=pk)
    licence = selectors.licence_dates(organization_id=membership.organization_id).get(
        membership.user_id
    )
    is_licence = request.POST.get("action") == "licence"
    form = HireDateForm(
        None if is_licence else (request.POST or None), initial={"hired_on": membership.hired_on}
    )
    licence_form = LicenceForm(request.POST if is_licence else None, initial={"renews_on": licence})
    status = 200
    if request.method == "POST" and is_licence:
        if licence_form.is_valid():
            services.licence_renewal_set(
                organization=membership.organization,
                user=membership.user,
                renews_on=licence_form.cleaned_data["renews_on"],
                actor=request.user,  # type: ignore[arg-type]  # login_required
            )
            messages.success(request, _("The licence renewal date was saved."))
            return redirect("training:person", pk=pk)
        status = 400
    elif request.method == "POST":
        if form.is_valid():
            try:
                accounts_services.membership_set_hired_on(
                    membership=membership,
                    hired_on=form.cleaned_data["hired_on"],
                    actor=request.user,  # type: ignore[arg-type]  # login_required
                )
            except ValidationError as error:
                _error(request, error)
            else:
                messages.success(request, _("The hire date was saved."))
                return redirect("training:person", pk=pk)
        status = 400
    return render(
        request,
        "training/person.html",
        {
            "membership": membership,
            "form": form,
            "licence_form": licence_form,
            "licence": licence,
            "units": list(membership.units.all()),
            "assignments": selectors.assignments_for_manager(user=request.user).filter(
                user=membership.user, organization=membership.organization
            ),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_assignment(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.get_assignment_for_manager(user=request.user, pk=pk)
    if request.method == "POST":
        services.assignment_cancel(assignment=assignment)
        messages.success(request, _("The assignment was cancelled."))
        return redirect("training:manage")
    return render(request, "training/manage_assignment.html", {"assignment": assignment})


@login_required
@require_http_methods(["GET", "POST"])
def manage_certificate(request: HttpRequest, pk: str) -> HttpResponse:
    certificate = selectors.get_certificate_for_manager(user=request.user, pk=pk)
    form = RevokeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.certificate_revoke(
                    certificate=certificate,
                    revoked_by=request.user,  # type: ignore[arg-type]  # login_required
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _error(request, error)
            else:
                messages.success(request, _("The certificate was revoked."))
                return redirect("training:manage_certificate", pk=pk)
        status = 400
    return render(
        request,
        "training/manage_certificate.html",
        {
            "certificate": certificate,
            "form": form,
            "status": selectors.certificate_status(
                certificate=certificate, today=timezone.localdate()
            ),
        },
        status=status,
    )


def _compliance_csv(matrix: selectors.ComplianceMatrix, filename: str) -> HttpResponse:
    # Rows are written to a buffer and handed to the response once: writing them to the
    # response one by one encoded each of thousands of rows on its own.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = ["person", "email", "units", "active"]
    fields = [
        "status",
        "due_on",
        "completed_on",
        "hours",
        "certificate_id",
        "score",
        "course_version",
    ]
    for requirement in matrix.requirements:
        header += [f"{requirement.code}:{field}" for field in fields]
    writer.writerow(header)
    for row in matrix.rows:
        line = [
            spreadsheet_safe(row.name),
            spreadsheet_safe(row.email),
            spreadsheet_safe(row.units),
            "yes" if row.active else "left",
        ]
        for cell in row.cells:
            if cell is None:
                line += ["n/a"] + [""] * (len(fields) - 1)
                continue
            last = cell.last
            line += [
                cell.status.value,
                str(cell.due_on or ""),
                str(last.completed_on) if last else "",
                f"{last.minutes / 60:.2f}" if last and last.minutes is not None else "",
                last.certificate_id if last else "",
                str(last.score_percent) if last and last.score_percent is not None else "",
                spreadsheet_safe(last.course_version) if last else "",
            ]
        writer.writerow(line)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _compliance_response(
    request: HttpRequest,
    fmt: str,
    *,
    organization: Organization,
    unit: Any,
) -> HttpResponse:
    today = timezone.localdate()
    slug = unit.slug if unit is not None else organization.slug
    # Exports are for audits: they include people who have left (marked as such).
    if fmt == "csv":
        matrix = selectors.compliance_matrix(
            organization=organization, unit=unit, today=today, include_inactive=True
        )
        return _compliance_csv(matrix, f"compliance-{slug}.csv")
    if fmt == "pdf":
        matrix = selectors.compliance_matrix(
            organization=organization, unit=unit, today=today, include_inactive=True
        )
        response = HttpResponse(
            compliance_pdf(matrix=matrix, today=today), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="compliance-{slug}.pdf"'
        return response
    raw_page = request.GET.get("page", "1")
    page_number = as_row_id(raw_page) or 1
    if page_number >= 10**6:
        page_number = 1
    matrix = selectors.compliance_matrix(
        organization=organization,
        unit=unit,
        today=today,
        offset=(page_number - 1) * COMPLIANCE_PAGE_SIZE,
        limit=COMPLIANCE_PAGE_SIZE,
    )
    pages = max(1, -(-matrix.total_people // COMPLIANCE_PAGE_SIZE))
    return render(
        request,
        "training/compliance.html",
        {
            "matrix": matrix,
            "unit": unit,
            "page": page_number,
            "pages": pages,
            "today": today,
            "can_edit": organization.pk
            in selectors.organization_ids_with(user=request.user, roles=selectors.MANAGERS),
        },
    )


@login_required
@require_GET
def compliance(request: HttpRequest, pk: int, fmt: str = "html") -> HttpResponse:
    unit = selectors.get_unit_for_viewer(user=request.user, pk=pk)
    return _compliance_response(request, fmt, organization=unit.organization, unit=unit)


@login_required
@require_GET
def organization_compliance(request: HttpRequest, fmt: str = "html") -> HttpResponse:
    """Compliance for the whole organization: everyone, members without a unit included."""
    organization = _managed_organization(request)
    return _compliance_response(request, fmt, organization=organization, unit=None)


@login_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    """Everyone in the organization, with a link to their transcript; people who have left
    are listed too, marked, because their records must stay findable for audits."""
    organization = _managed_organization(request)
    return render(
        request,
        "training/people.html",
        {
            "organization": organization,
            "people": selectors.people_for_viewer(organization=organization),
            "can_edit": organization.pk
            in selectors.organization_ids_with(user=request.user, roles=selectors.MANAGERS),
        },
    )


@login_required
@require_GET
def transcript(request: HttpRequest, pk: int, fmt: str = "html") -> HttpResponse:
    membership = selectors.get_membership_for_viewer(user=request.user, pk=pk)
    today = timezone.localdate()
    record = selectors.transcript(membership=membership, today=today)
    if fmt == "pdf":
        response = HttpResponse(
            transcript_pdf(transcript=record, today=today), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="transcript-{pk}.pdf"'
        return response
    return render(
        request,
        "training/transcript.html",
        {
            "transcript": record,
            "membership": membership,
            "today": today,
            "can_edit": membership.organization_id
            in selectors.organization_ids_with(user=request.user, roles=selectors.MANAGERS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def external_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record training a person took elsewhere, with the certificate they brought."""
    membership = selectors.get_membership_for_manager(user=request.user, pk=pk)
    form = ExternalRecordForm(
        request.POST or None, request.FILES or None, organization=membership.organization
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            upload = data["certificate"]
            if upload.size > services.MAX_CERTIFICATE_BYTES:
                messages.error(request, _("Please keep the certificate file under 5 MB."))
                status = 400
            else:
                try:
                    services.external_record_create(
                        organization=membership.organization,
                        user=membership.user,
                        title=data["title"],
                        provider=data["provider"],
                        completed_on=data["completed_on"],
                        minutes=data["minutes"],
                        requirement=data["requirement"],
                        approval=data["approval"],
                        certificate_name=upload.name,
                        certificate=upload.read(),
                        actor=request.user,  # type: ignore[arg-type]  # login_required
                    )
                except ValidationError as error:
                    _error(request, error)
                    status = 400
                else:
                    messages.success(request, _("The training was recorded."))
                    return redirect("training:transcript", pk=pk)
        else:
            status = 400
    return render(
        request,
        "training/external_record.html",
        {"membership": membership, "form": form},
        status=status,
    )


# Instructor-led sessions -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sessions(request: HttpRequest) -> HttpResponse:
    """Upcoming sessions for members; administrators schedule new ones here."""
    managed = selectors.organization_ids_with(user=request.user, roles=selectors.MANAGERS)
    organization = _chosen_organization(request, selectors.MANAGERS) if managed else None
    form = SessionForm(request.POST or None, organization=organization) if organization else None
    status = 200
    if request.method == "POST":
        if organization is None or form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = services.session_create(
                    organization=organization,
                    course=data["course"],
                    title=data["title"],
                    starts_at=data["starts_at"],
                    minutes=data["minutes"],
                    capacity=data["capacity"],
                    instructor=data["instructor"].user,
                    place=data["place"],
                    video_url=data["video_url"],
                    approval=data["approval"],
                    actor=request.user,  # type: ignore[arg-type]  # login_required
                )
            except ValidationError as error:
                _error(request, error)
            else:
                messages.success(request, _("The session was scheduled."))
                return redirect("training:session", pk=session.pk)
        status = 400
    return render(
        request,
        "training/sessions.html",
        {
            "sessions": selectors.sessions_for_member(user=request.user),
            "form": form,
            "seats": set(
                SessionSeat.objects.filter(user_id=request.user.pk or 0).values_list(
                    "session_id", flat=True
                )
            ),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A session: members sign up; the instructor (or an administrator) adds people and
    takes attendance, on a phone if need be (one tap per person, plain form)."""
    session = selectors.get_session_for_member(user=request.user, pk=pk)
    teaches = selectors.can_take_attendance(user=request.user, session=session)
    actor: Any = request.user  # login_required
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "signup":
                services.session_sign_up(session=session, user=actor)
                messages.success(request, _("You are signed up."))
            elif action == "add" and teaches:
                raw = request.POST.get("member", "")
                membership = (
                    selectors.members_of(organization=session.organization)
                    .filter(pk=int(raw) if raw.isdigit() else 0)
                    .first()
                )
                if membership is None:
                    raise ValidationError(_("Please choose a member of your organization."))
                services.session_sign_up(session=session, user=membership.user, actor=actor)
                messages.success(request, _("Added to the session."))
            elif action == "attendance" and teaches:
                present = [int(v) for v in request.POST.getlist("present") if v.isdigit()]
                done = services.session_attendance(session=session, present=present, actor=actor)
                messages.success(
                    request,
                    _("Attendance saved; %(n)d completion(s) recorded.") % {"n": len(done)},
                )
            else:
                raise Http404
        except ValidationError as error:
            _error(request, error)
            return render(
                request,
                "training/session.html",
                _session_context(request, session, teaches),
                status=400,
            )
        return redirect("training:session", pk=pk)
    return render(request, "training/session.html", _session_context(request, session, teaches))


def _session_context(request: HttpRequest, session: Any, teaches: bool) -> dict[str, Any]:
    seats = list(session.seats.select_related("user").order_by("user__last_name", "user__email"))
    return {
        "session": session,
        "teaches": teaches,
        "seats": seats,
        "mine": next((seat for seat in seats if seat.user_id == request.user.pk), None),
        "free": session.capacity - len(seats),
        "members": selectors.members_of(organization=session.organization).order_by(
            "user__last_name", "user__email"
        )
        if teaches
        else [],
    }


@login_required
@require_GET
def sites(request: HttpRequest) -> HttpResponse:
    _managed_organization(request)
    return render(
        request,
        "training/sites.html",
        {"sites": selectors.site_training(user=request.user, today=timezone.localdate())},
    )


@login_required
@require_GET
def completion_xapi(request: HttpRequest, pk: int) -> HttpResponse:
    completion = selectors.get_completion_for_viewer(user=request.user, pk=pk)
    response = JsonResponse(completion_statements(completion=completion), safe=False)
    response["Content-Disposition"] = f'attachment; filename="xapi-completion-{pk}.json"'
    return response


@login_required
@require_GET
def questions(request: HttpRequest) -> HttpResponse:
    """The organization's questions for its trainers: unanswered first."""
    organization = _administered_organization(request)
    return render(
        request,
        "training/questions.html",
        {
            "organization": organization,
            "questions": selectors.questions_for_manager(
                user=request.user, organization=organization
            )[:300],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_question_for_manager(user=request.user, pk=pk)
    status = 200
    if request.method == "POST":
        try:
            services.question_answer(
                question=item,
                answer=request.POST.get("answer", "")[:5000],
                shared=request.POST.get("shared") == "on",
                actor=request.user,  # type: ignore[arg-type]  # login_required
            )
        except ValidationError as error:
            _error(request, error)
            status = 400
        else:
            messages.success(request, _("The answer was saved."))
            return redirect("training:questions")
    return render(request, "training/question.html", {"question": item}, status=status)


@login_required
@require_GET
def organization_xapi(request: HttpRequest) -> HttpResponse:
    """Every completion and attended session of the organization as xAPI statements."""
    organization = _managed_organization(request)
    response = JsonResponse(organization_statements(organization=organization), safe=False)
    response["Content-Disposition"] = f'attachment; filename="xapi-{organization.slug}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def learning_record_store(request: HttpRequest) -> HttpResponse:
    """Configure the organization's LRS and send statements to it."""
    organization = _administered_organization(request)
    training = TrainingSettings.objects.filter(organization=organization).first()
    status = 200
    if request.method == "POST":
        actor: Any = request.user  # login_required
        try:
            if request.POST.get("action") == "send":
                sent = services.lrs_send(organization=organization, actor=actor)
                messages.success(request, _("%(n)d statement(s) sent.") % {"n": sent})
            else:
                services.lrs_configure(
                    organization=organization,
                    endpoint=request.POST.get("endpoint", "")[:500],
                    username=request.POST.get("username", ""),
                    password=request.POST.get("password", "")[:500],
                    actor=actor,
                )
                messages.success(request, _("The learning record store was saved."))
        except ValidationError as error:
            _error(request, error)
            status = 400
        else:
            return redirect("training:learning_record_store")
    return render(
        request,
        "training/lrs.html",
        {"organization": organization, "training": training},
        status=status,
    )


# Public -----------------------------------------------------------------------------------------


@require_GET
def verify(request: HttpRequest, pk: str) -> HttpResponse:
    """The public verification page: only what a verifier needs, nothing more."""
    certificate = selectors.certificate_for_public(pk=pk)
    response = render(
        request,
        "training/verify.html",
        {
            "certificate": certificate,
            "name": selectors.printed_name(certificate=certificate),
            "status": selectors.certificate_status(
                certificate=certificate, today=timezone.localdate()
            ),
        },
    )
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
