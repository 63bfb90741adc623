"""schemathesis drives every API operation from its own OpenAPI schema.

Generated requests (valid and invalid) must never cause a server error, and every response
must match the schema. Runs in-process through Django's WSGI handler, on the test database,
as a responder with a token carrying every scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from safepath.api.models import Scope
from safepath.api.tokens import api_token_create
from safepath.placements.models import Placement
from safepath.reports.services import report_start

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    # Django's test client does the same. Called directly, the WSGI handler closes old
    # connections at each request (CONN_MAX_AGE=0); on PostgreSQL that really closes the
    # test's connection inside its transaction, and the next query fails.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def same_connection() -> Iterator[None]:
    """Keep the test's database connection across requests, as Django's test client does.

    The raw WSGI handler closes "old" connections when a request ends, which would close the
    test's open transaction on PostgreSQL.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(bob: Any, bus_station: Placement) -> str:
    report_start(placement=bus_station, step="what", value="fuzz target")
    _record, value = api_token_create(user=bob, name="fuzz", scopes=list(Scope.values))
    return value


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_never_fails_and_matches_its_schema(
    case: Any, token: str, same_connection: None
) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
