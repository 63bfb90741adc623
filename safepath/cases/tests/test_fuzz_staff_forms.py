"""Fuzz every staff form and upload: whatever is posted, the answer is never a 500.

The targets come from the tenancy matrices (every staff URL, each reachable for one of
Riverside's objects) and the field names from every form class in the project, so a new
form or URL is fuzzed without anyone listing it here. Values mix ordinary text with what
breaks parsers: NUL and control characters, right-to-left marks, numbers too large for a
column, digits that are not ASCII, very long text; uploads are random bytes, broken CSV
and hostile GeoJSON. Alice (an administrator who is also a learner) posts them all.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
from typing import Any

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepath.accounts.models import User
from safepath.cases.tests.test_tenancy import (
    POST,
    STAFF_LIST_URLS,
    STAFF_OBJECT_URLS,
    World,
)
from safepath.conftest import logged_in
from safepath.training.tests.tenancy import TRAINING_LIST_URLS, TRAINING_OBJECT_URLS, training_world

pytestmark = pytest.mark.django_db

FORM_MODULES = [
    "safepath.accounts.forms",
    "safepath.cases.forms",
    "safepath.placements.forms",
    "safepath.routing.forms",
    "safepath.training.forms",
]
# Names the views read straight from the request, beside their forms.
EXTRA_FIELDS = {"action", "next", "organization", "status", "choice", "node", "q", "page"}
# Posting these would end the session or the fuzzing world rather than test a form.
SKIPPED = {"accounts:logout", "cases:share_revoke"}


def field_names() -> list[str]:
    names = set(EXTRA_FIELDS)
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for _, form in inspect.getmembers(module, inspect.isclass):
            if issubclass(form, forms.BaseForm) and form.__module__ == module_name:
                names.update(getattr(form, "base_fields", {}))
    return sorted(names)


FIELDS = field_names()

nasty_numbers = st.sampled_from(
    ["0", "-1", "99999999999999999999999", "1e309", "NaN", "-0", "²", "١٢", "0x1f", "1_000"]
)
nasty_text = st.sampled_from(
    ["\x00", "a\x00b", "\u202e", "\ufeff", "../../etc/passwd", "<script>", "x" * 20_000, " "]
)
values = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=60),
    nasty_numbers,
    nasty_text,
    st.dates().map(str),
)


def _csv_text() -> st.SearchStrategy[bytes]:
    cell = st.one_of(values, st.just('"'), st.just('"a"b'), st.just(",,"))
    row = st.lists(cell, max_size=6).map(",".join)
    ending = st.sampled_from(["\n", "\r", "\r\n"])
    return st.tuples(st.lists(row, min_size=1, max_size=5), ending).map(
        lambda rows_and_end: (
            "public_name,site_type,unit\n" + rows_and_end[1].join(rows_and_end[0])
        ).encode("utf-8")
    )


def _geojson() -> st.SearchStrategy[bytes]:
    deep = st.integers(min_value=1, max_value=3000).map(lambda n: b"[" * n + b"]" * n)
    feature = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["Feature", "FeatureCollection", "Polygon"]),
            "properties": st.one_of(st.none(), values, st.dictionaries(values, values)),
            "geometry": st.one_of(st.none(), values, st.just({"type": "Polygon"})),
            "features": st.one_of(st.none(), st.lists(values, max_size=3)),
        }
    ).map(lambda d: json.dumps(d).encode())
    return st.one_of(deep, feature)


uploads = st.one_of(st.binary(max_size=3000), _csv_text(), _geojson())


def targets(world: World, training: Any) -> list[tuple[str, str]]:
    found = [
        (name, build(world))
        for name, (method, build, _data) in STAFF_OBJECT_URLS.items()
        if method == POST and name not in SKIPPED
    ]
    found += [(name, reverse(name)) for name in sorted(STAFF_LIST_URLS)]
    found += [(name, build(training)) for name, (_who, build) in TRAINING_OBJECT_URLS.items()]
    found += sorted(TRAINING_LIST_URLS.items())
    return found


@pytest.fixture
def alice_client(alice: User) -> Client:
    client = logged_in(alice)
    client.raise_request_exception = True  # a server error fails the test with its traceback
    return client


@pytest.fixture
def training(alice: User) -> Any:
    return training_world(organization=alice.memberships.get().organization, learner=alice)


@settings(
    # More with SAFEPATH_FUZZ_EXAMPLES=5000 (before a release); the default keeps CI short.
    max_examples=int(os.environ.get("SAFEPATH_FUZZ_EXAMPLES", "250")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_staff_form_or_upload_answers_500(
    alice_client: Client, world: World, training: Any, data: st.DataObject
) -> None:
    name, url = data.draw(st.sampled_from(targets(world, training)), label="target")
    fields = data.draw(st.dictionaries(st.sampled_from(FIELDS), values, max_size=8), label="form")
    files = data.draw(
        st.dictionaries(st.sampled_from(["file", "photo", "document"]), uploads, max_size=1),
        label="files",
    )
    payload: dict[str, Any] = dict(fields)
    for field, content in files.items():
        payload[field] = SimpleUploadedFile(f"{field}.bin", content)

    response = alice_client.post(url, payload)

    assert response.status_code < 500, f"{name} {url} answered {response.status_code}"


# Every view that takes a file (``request.FILES``), and the field it reads it from.
UPLOADS = {
    "placements:import": lambda w: "/placements/import/",
    "routing:area_import": lambda w: "/dashboard/routing/areas/",
    "cases:case_document": lambda w: f"/dashboard/cases/{w.case.reference}/documents/",
}


@settings(
    max_examples=int(os.environ.get("SAFEPATH_FUZZ_EXAMPLES", "250")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_upload_answers_500(alice_client: Client, world: World, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(UPLOADS)), label="target")
    content = data.draw(uploads, label="upload")
    filename = data.draw(st.sampled_from(["areas.csv", "a.geojson", "x", "\u202e.pdf"]))
    organization = world.placement.organization

    response = alice_client.post(
        UPLOADS[name](world),
        {"file": SimpleUploadedFile(filename, content), "organization": str(organization.pk)},
    )

    assert response.status_code < 500, f"{name} answered {response.status_code}"
