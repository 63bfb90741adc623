"""A form body in another encoding than UTF-8 is a plain 400, with DEBUG on or off."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("path", ["/accounts/login/", "/Q/ABCDEF", "/followup/"])
@pytest.mark.parametrize("charset", ["utf-16", "utf-7", "latin-1", "no-such-charset"])
def test_a_form_that_is_not_utf8_gets_a_clear_400(
    settings: object, debug: bool, path: str, charset: str
) -> None:
    settings.DEBUG = debug  # type: ignore[attr-defined]
    client = Client(raise_request_exception=False)

    response = client.generic(
        "POST",
        path,
        data="username=a&password=b".encode("utf-16"),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )

    assert response.status_code == 400
    assert b"UTF-8" in response.content


def test_a_utf8_form_still_works(bob: object) -> None:
    response = Client().post(
        "/accounts/login/", {"username": "bob@riverside.test", "password": "wrong"}
    )

    assert response.status_code == 200
