"""Compress responses (gzip, Django's GZipMiddleware), except where a secret sits beside text
an attacker may influence.

Compression with a secret and attacker-chosen text in one response leaks the secret through
the compressed length (BREACH). Django's middleware already pads gzip output with random
bytes ("Heal the BREACH") and masks CSRF tokens per response; on top of that, the pages that
show the reporter's secrets are never compressed at all: the page that shows a receipt
(a view sets ``response.compress = False``), every follow-up page (opened with the
receipt, it shows the conversation and echoes what was typed), and the JSON API.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware

# The follow-up (secrets beside echoed text), and the JSON API: its clients send tokens and
# JSON bodies that may be reflected, and some WSGI test transports do not decode gzip.
UNCOMPRESSED_PREFIXES = ("/followup/", "/api/")


class CompressionMiddleware(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(response, "compress", True) is False or request.path.startswith(
            UNCOMPRESSED_PREFIXES
        ):
            return response
        return super().process_response(request, response)
