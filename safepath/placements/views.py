"""Staff pages for placements: list, map, page, edit, codes, posters, import, batches.

Thin: every object comes through a tenancy-scoped selector (another organization's is a
404), every change through a service. Members may look, print and confirm a poster is
still up; administrators and supervisors may also create, edit, retire and import.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safepath.accounts.access import organizations_for
from safepath.accounts.models import User
from safepath.accounts.permissions import Capability, roles_with
from safepath.core.activity import record_one
from safepath.core.db import as_row_id
from safepath.placements import csvio, qr
from safepath.placements.forms import (
    BatchForm,
    ImportForm,
    PlacementForm,
    ReplaceCodeForm,
    StatusForm,
)
from safepath.placements.map import placements_map_svg
from safepath.placements.models import (
    BatchStatus,
    Placement,
    PlacementStatus,
    PosterPaper,
    SiteType,
)
from safepath.placements.poster_text import POSTER_TEXT
from safepath.placements.posters import PosterFontsMissing, poster_pdf
from safepath.placements.selectors import (
    batches_for_member,
    can_manage_placements,
    get_batch_for_member,
    get_placement_for_member,
    is_due_for_check,
    organizations_managed_by,
    placements_due_for_check,
    placements_for_member,
    recent_hours,
    require_placement_manager,
    scan_totals,
    units_for_member,
)
from safepath.placements.services import (
    placement_create,
    placement_mark_checked,
    placement_replace_code,
    placement_set_status,
    placement_update,
    poster_batch_create,
)

# The roles that may confirm a poster is still up: everyone who works in the field.
FIELD_ROLES = roles_with(Capability.PLACEMENT_VIEW)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def _detail_url(placement: Placement) -> str:
    return reverse("placements:detail", args=[placement.code])


# Lists ---------------------------------------------------------------------------------------


@login_required
@require_GET
def placement_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    placements = placements_for_member(user=user)
    status = request.GET.get("status", "")
    if status in PlacementStatus.values:
        placements = placements.filter(status=status)
    unit = request.GET.get("unit", "")
    if unit:
        unit_id = as_row_id(unit)
        placements = placements.filter(unit_id=unit_id) if unit_id else placements.none()
    query = request.GET.get("q", "").strip()[:100]
    if query:
        placements = placements.filter(
            Q(public_name__icontains=query) | Q(address__icontains=query) | Q(code=query.upper())
        )
    due = placements_due_for_check(user=user)
    if request.GET.get("due") == "1":
        placements = placements.filter(pk__in=due.values("pk"))
    due_ids = set(due.values_list("pk", flat=True))
    rows = list(placements[:500])
    return render(
        request,
        "placements/list.html",
        {
            "rows": [(p, p.pk in due_ids) for p in rows],
            "due_count": len(due_ids),
            "units": units_for_member(user=user),
            "statuses": PlacementStatus.choices,
            "papers": PosterPaper.choices,
            "filters": {"status": status, "unit": unit, "q": query, "due": request.GET.get("due")},
            "can_create": organizations_managed_by(user=user).exists(),
            "truncated": len(rows) == 500,
        },
    )


@login_required
@require_GET
def placement_map(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    placements = list(placements_for_member(user=user).exclude(status=PlacementStatus.RETIRED))
    due = set(placements_due_for_check(user=user).values_list("pk", flat=True))
    return render(
        request,
        "placements/map.html",
        {
            "map_svg": placements_map_svg(placements, due_ids=due),
            "placements": placements,
            "due_ids": due,
        },
    )


# One placement ---------------------------------------------------------------------------------


@login_required
@require_GET
def placement_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    placement = get_placement_for_member(user=user, code=code)
    return render(
        request,
        "placements/detail.html",
        {
            "placement": placement,
            "can_manage": can_manage_placements(
                user=user, organization_id=placement.organization_id
            ),
            "due": is_due_for_check(placement),
            "totals": scan_totals(placement=placement),
            "hours": recent_hours(placement=placement),
            "events": placement.events.select_related("actor")[:50],
            "retired_codes": placement.retired_codes.all(),
            "poster_texts": [POSTER_TEXT[lang] for lang in placement.languages],
            "languages": placement.languages,
            "papers": PosterPaper.choices,
            "statuses": PlacementStatus.choices,
            "replace_form": ReplaceCodeForm(),
            "scan_url": qr.scan_url(placement),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def placement_create_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    managed = list(organizations_managed_by(user=user))
    if not managed:
        raise PermissionDenied(_("Only administrators and supervisors can add placements."))
    slug = request.GET.get("organization") or request.POST.get("organization") or managed[0].slug
    organization = next((o for o in managed if o.slug == slug), None)
    if organization is None:
        raise Http404
    form = PlacementForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        details = form.placement_details()
        placement = placement_create(
            organization=organization,
            public_name=details["public_name"],
            actor=user,
            details=details,
        )
        messages.success(request, _("Placement added. Print its poster below."))
        return HttpResponseRedirect(_detail_url(placement))
    return render(
        request,
        "placements/form.html",
        {"form": form, "organization": organization, "organizations": managed},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def placement_edit(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    placement = get_placement_for_member(user=user, code=code)
    require_placement_manager(user=user, placement=placement)
    form = PlacementForm(
        request.POST or None, instance=placement, organization=placement.organization
    )
    if request.method == "POST" and form.is_valid():
        fresh = get_placement_for_member(user=user, code=code)  # the form mutated its instance
        placement_update(placement=fresh, actor=user, changes=form.placement_details())
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(_detail_url(fresh))
    return render(
        request,
        "placements/form.html",
        {"form": form, "placement": placement, "organization": placement.organization},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def placement_set_status_view(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    placement = get_placement_for_member(user=user, code=code)
    require_placement_manager(user=user, placement=placement)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose a valid status."), status=400, content_type="text/plain")
    if placement_set_status(placement=placement, actor=user, status=form.cleaned_data["status"]):
        messages.success(request, _("Status changed to %s.") % placement.get_status_display())
    return HttpResponseRedirect(_detail_url(placement))


@login_required
@require_POST
def placement_replace_code_view(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    placement = get_placement_for_member(user=user, code=code)
    require_placement_manager(user=user, placement=placement)
    form = ReplaceCodeForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("The reason is too long."), status=400, content_type="text/plain")
    retired = placement_replace_code(
        placement=placement, actor=user, reason=form.cleaned_data["reason"]
    )
    messages.success(
        request,
        _("New code %(new)s is live. The old code %(old)s now leads to the help page.")
        % {"new": placement.grouped_code, "old": retired.code},
    )
    return HttpResponseRedirect(_detail_url(placement))


@login_required
@require_POST
def placement_mark_checked_view(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    placement = get_placement_for_member(user=user, code=code)
    # Auditors and analysts only read (issue 6's roles): confirming a poster is a change.
    if not organizations_for(user, roles=FIELD_ROLES).filter(pk=placement.organization_id).exists():
        raise PermissionDenied(_("Auditors and analysts can look at placements, not change them."))
    placement_mark_checked(placement=placement, actor=user)
    messages.success(request, _("Thank you: %s marked as checked today.") % placement.public_name)
    target = request.POST.get("next", "")
    # Back to the list a person was working through on their phone, never off-site.
    if target.startswith("/placements/") and "//" not in target:
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(_detail_url(placement))


# QR codes and posters --------------------------------------------------------------------------


@login_required
@require_GET
def qr_svg(request: HttpRequest, code: str) -> HttpResponse:
    placement = get_placement_for_member(user=request.user, code=code)
    return HttpResponse(qr.qr_svg(placement), content_type="image/svg+xml")


@login_required
@require_GET
def qr_png(request: HttpRequest, code: str) -> HttpResponse:
    placement = get_placement_for_member(user=request.user, code=code)
    return HttpResponse(qr.qr_png(placement), content_type="image/png")


def fonts_missing_response(request: HttpRequest, error: PosterFontsMissing) -> HttpResponse:
    return render(request, "placements/fonts_missing.html", {"error": str(error)}, status=503)


@login_required
@require_GET
def poster(request: HttpRequest, code: str) -> HttpResponse:
    placement = get_placement_for_member(user=request.user, code=code)
    paper = request.GET.get("paper", PosterPaper.LETTER)
    if paper not in PosterPaper.values:
        return HttpResponse(
            _("Unknown paper: choose letter, a4 or stickers."),
            status=400,
            content_type="text/plain",
        )
    try:
        pdf = poster_pdf(placement, paper=paper)
    except PosterFontsMissing as error:
        return fonts_missing_response(request, error)
    # Recorded: who printed which poster (and onboarding's "posters printed" step reads it).
    record_one(
        actor=_user(request),
        organization=placement.organization,
        action="placements.poster_printed",
        object_type="placement",
        object_ref=placement.code,
        detail=paper,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="safepath-{placement.code}-{paper}.pdf"'
    return response


# CSV ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def placement_import(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    managed = list(organizations_managed_by(user=user))
    if not managed:
        raise PermissionDenied(_("Only administrators and supervisors can import placements."))
    slug = request.POST.get("organization") or request.GET.get("organization") or managed[0].slug
    organization = next((o for o in managed if o.slug == slug), None)
    if organization is None:
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # Read one byte past the limit: enough to know it is too big, never the whole file.
        data = upload.read(settings.PLACEMENT_IMPORT_MAX_BYTES + 1)
        result = csvio.placements_import_csv(organization=organization, actor=user, data=data)
        if result.ok:
            messages.success(request, _("Imported %d placements.") % len(result.created))
            return HttpResponseRedirect(reverse("placements:list"))
    return render(
        request,
        "placements/import.html",
        {
            "form": form,
            "result": result,
            "organization": organization,
            "organizations": managed,
            "site_types": SiteType.choices,
            "languages": sorted(POSTER_TEXT),
            "max_rows": settings.PLACEMENT_IMPORT_MAX_ROWS,
            "max_kb": settings.PLACEMENT_IMPORT_MAX_BYTES // 1024,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(csvio.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="safepath-placements-template.csv"'
    return response


@login_required
@require_GET
def placement_export(request: HttpRequest) -> HttpResponse:
    placements = placements_for_member(user=_user(request)).order_by("organization", "public_name")
    response = HttpResponse(csvio.export_csv(placements), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="safepath-placements.csv"'
    return response


# Batches --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def batch_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    placements = list(placements_for_member(user=user).exclude(status=PlacementStatus.RETIRED))
    units = units_for_member(user=user).annotate(n=Count("placements"))
    form = BatchForm(request.POST or None, placements=placements, units=units)
    if request.method == "POST":
        if form.is_valid():
            codes = set(form.cleaned_data["codes"])
            unit = form.cleaned_data["unit"]
            chosen = [p for p in placements if p.code in codes or (unit and p.unit_id == unit.pk)]
            organizations = {p.organization_id for p in chosen}
            if not chosen:
                form.add_error(None, _("That unit has no placements to print."))
            elif len(organizations) > 1:
                form.add_error(None, _("Print one organization's placements at a time."))
            elif len(chosen) > settings.POSTER_BATCH_MAX:
                form.add_error(
                    None,
                    _("At most %d posters in one batch.") % settings.POSTER_BATCH_MAX,
                )
            else:
                batch = poster_batch_create(
                    organization=chosen[0].organization,
                    actor=user,
                    placements=chosen,
                    paper=form.cleaned_data["paper"],
                )
                return HttpResponseRedirect(reverse("placements:batch_detail", args=[batch.pk]))
        return render(
            request,
            "placements/batches.html",
            {"form": form, "batches": batches_for_member(user=user)[:20]},
            status=400,
        )
    return render(
        request,
        "placements/batches.html",
        {"form": form, "batches": batches_for_member(user=user)[:20]},
    )


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_batch_for_member(user=request.user, pk=pk)
    return render(request, "placements/batch_detail.html", {"batch": batch})


@login_required
@require_GET
def batch_status(request: HttpRequest, pk: int) -> JsonResponse:
    batch = get_batch_for_member(user=request.user, pk=pk)
    return JsonResponse(
        {
            "status": batch.status,
            "status_label": batch.get_status_display(),
            "done": batch.done,
            "total": batch.total,
            "percent": batch.percent,
            "error": batch.error,
            "download_url": (
                reverse("placements:batch_download", args=[batch.pk])
                if batch.status == BatchStatus.DONE
                else None
            ),
        }
    )


@login_required
@require_GET
def batch_download(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_batch_for_member(user=request.user, pk=pk)
    if batch.status != BatchStatus.DONE:
        return HttpResponseRedirect(reverse("placements:batch_detail", args=[batch.pk]))
    pdf = type(batch).objects.filter(pk=batch.pk).values_list("pdf", flat=True).get()
    response = HttpResponse(bytes(pdf or b""), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="safepath-posters-{batch.pk}-{batch.paper}.pdf"'
    )
    return response
