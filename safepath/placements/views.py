"""Staff views of placements: QR codes to print."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from safepath.placements import qr
from safepath.placements.selectors import get_placement_for_member


@require_GET
@login_required
def qr_svg(request: HttpRequest, code: str) -> HttpResponse:
    placement = get_placement_for_member(user=request.user, code=code)
    return HttpResponse(qr.qr_svg(placement), content_type="image/svg+xml")


@require_GET
@login_required
def qr_png(request: HttpRequest, code: str) -> HttpResponse:
    placement = get_placement_for_member(user=request.user, code=code)
    return HttpResponse(qr.qr_png(placement), content_type="image/png")
