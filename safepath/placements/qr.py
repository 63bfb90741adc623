"""QR codes for placements, made with segno.

The URL is encoded in upper case so that the whole string fits QR's alphanumeric mode: fewer
modules, a code that still scans from a small sticker. Error correction "Q" (25 %) survives a
scratched or partly covered poster; segno raises it further when that costs no extra size.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.conf import settings

from safepath.placements.models import Placement

if TYPE_CHECKING:
    import segno


def scan_url(placement: Placement) -> str:
    return f"{settings.BASE_URL}/Q/{placement.code}".upper()


def make_qr_for_url(url: str) -> segno.QRCode:
    import segno  # imported when used: a server holds it only then

    return segno.make_qr(url, error="q", boost_error=True)


def make_qr(placement: Placement) -> segno.QRCode:
    return make_qr_for_url(scan_url(placement))


def qr_svg(placement: Placement, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    # Quiet zone of four modules (segno's default border) is kept: scanners need it.
    make_qr(placement).save(out, kind="svg", scale=scale, xmldecl=False, svgns=True)
    return out.getvalue()


def qr_png(placement: Placement, *, scale: int = 10) -> bytes:
    out = io.BytesIO()
    make_qr(placement).save(out, kind="png", scale=scale)
    return out.getvalue()
