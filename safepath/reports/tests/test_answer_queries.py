"""How many queries saving an answer takes, pinned, so a regression shows as a failing count.

Saving answers is the reporter's side's busiest write (autosave posts while the person
types). The first answer creates and routes the report: its count must not grow with the
number of members routing tells (it once asked four queries per unit-limited member).
Later answers save one entry and tell the dashboards.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from safepath.accounts.models import Membership, Organization, Role, Unit, User
from safepath.conftest import PASSWORD
from safepath.placements.models import Placement

pytestmark = pytest.mark.django_db

# Counted inside the test's transaction, where each atomic block is a SAVEPOINT and its
# RELEASE (in a server they are BEGIN and COMMIT, and PostgreSQL adds a NOTIFY that wakes
# the worker after commit).
#
# The first answer of a report: read the placement, create the report, route it (policy,
# tiers, recipient, timeline, audit, members and who of them may read it, channels,
# webhooks, deliveries, its routing state with its escalation time, audience), save the
# entry, count it. A new report has no recipients or deliveries yet: routing does not look
# for them (it did, and wrote the escalation time in an UPDATE of its own: 44).
FIRST_ANSWER_QUERIES = 39
# A later answer: the placement, the report the cookie ties, touch (and so lock) the report,
# the question's latest entry, save it, the audience (owners, shares and shared cases in
# one query).
LATER_ANSWER_QUERIES = 8
NEW_ENTRY_QUERIES = LATER_ANSWER_QUERIES + 1  # a new version also counts itself


def _autosave(client: Client, placement: Placement, step: str, text: str) -> Any:
    response = client.post(
        f"/Q/{placement.code}", {"step": step, "action": "autosave", "text": text}
    )
    assert response.status_code == 200
    assert json.loads(response.content)["saved"] is True
    return response


@pytest.fixture
def busy_station(
    riverside: Organization,
    alice: User,
    bob: User,
    bus_station: Placement,
    django_capture_on_commit_callbacks: Any,
) -> Placement:
    patrol = Unit.objects.create(organization=riverside, slug="patrol", name="Patrol")
    for number in range(5):
        user = User.objects.create_user(f"officer{number}@riverside.test", PASSWORD)
        membership = Membership.objects.create(
            user=user, organization=riverside, role=Role.RESPONDER
        )
        membership.units.add(patrol)
    # The organization's first report creates its default routing policy and its data key:
    # not the usual case. (Its commit hooks run, so the new key counts as committed, and the
    # next report reads it once and keeps it in memory, as a server process does.)
    with django_capture_on_commit_callbacks(execute=True):
        _autosave(Client(), bus_station, "details", "the first report here")
    _autosave(Client(), bus_station, "details", "the second report here")
    return bus_station


def test_a_first_answer_takes_a_fixed_number_of_queries(
    busy_station: Placement, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(FIRST_ANSWER_QUERIES):
        _autosave(Client(), busy_station, "details", "what I saw")


def test_a_first_answer_costs_no_more_queries_with_more_members_to_tell(
    busy_station: Placement, riverside: Organization, django_assert_num_queries: Any
) -> None:
    patrol = Unit.objects.get(organization=riverside, slug="patrol")
    for number in range(5, 25):
        user = User.objects.create_user(f"officer{number}@riverside.test", PASSWORD)
        membership = Membership.objects.create(
            user=user, organization=riverside, role=Role.RESPONDER
        )
        membership.units.add(patrol)
    with django_assert_num_queries(FIRST_ANSWER_QUERIES):
        _autosave(Client(), busy_station, "details", "what I saw")


def test_a_later_answer_takes_a_fixed_number_of_queries(
    busy_station: Placement, django_assert_num_queries: Any
) -> None:
    client = Client()
    _autosave(client, busy_station, "details", "what I")
    with django_assert_num_queries(LATER_ANSWER_QUERIES):
        _autosave(client, busy_station, "details", "what I saw")  # the draft, in place
    with django_assert_num_queries(NEW_ENTRY_QUERIES):
        _autosave(client, busy_station, "more", "and more")  # another question


def test_the_audience_query_is_compiled_once_per_process(
    busy_station: Placement, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    from safepath.reports import access
    from safepath.reports.models import Report

    compiled: list[int] = []
    build = access._audience_query

    def counting(report: Report) -> Any:
        compiled.append(report.pk)
        return build(report)

    monkeypatch.setattr(access, "_AUDIENCE_SQL", {})
    monkeypatch.setattr(access, "_audience_query", counting)
    reports = list(Report.objects.filter(placement=busy_station))
    with django_assert_num_queries(len(reports)):
        audiences = [access.report_audience(report=report) for report in reports]
    assert len(compiled) == 1
    assert audiences == [[busy_station.organization_id]] * len(reports)
