"""Training's role matrix: every role in one organization against the training staff URLs.

Roles come from the permission table (``training.view``: admin, supervisor, auditor;
``training.manage``: admin). A URL in the tenancy tables without a row here fails
``test_every_training_staff_url_has_a_rule``. Sessions are for every member; taking
attendance is for the instructor and administrators.
"""

from __future__ import annotations

import pytest

from safepath.accounts.models import Membership, Organization, Role, User
from safepath.conftest import logged_in
from safepath.training.tests.tenancy import (
    TRAINING_LIST_URLS,
    TRAINING_OBJECT_URLS,
    training_world,
)

pytestmark = pytest.mark.django_db

ROLES: list[Role] = [Role.ADMIN, Role.SUPERVISOR, Role.RESPONDER, Role.ANALYST, Role.AUDITOR]
OK, NO = 200, 404
VIEW = {Role.ADMIN: OK, Role.SUPERVISOR: OK, Role.AUDITOR: OK, Role.RESPONDER: NO, Role.ANALYST: NO}
MANAGE = {role: (OK if role == Role.ADMIN else NO) for role in ROLES}
MEMBER = {role: OK for role in ROLES}

# Expected GET status per role; None: the row belongs to the learner's own pages, checked
# by the tenancy matrix (only the learner may open their own assignment).
RULES: dict[str, dict[Role, int] | None] = {
    "training:assignment": None,
    "training:lesson": None,
    "training:scenario": None,
    "training:assessment": None,
    "training:certificate_pdf": None,
    "training:home": MEMBER,
    "training:manage": VIEW,
    "training:sites": VIEW,
    "training:requirements": MANAGE,
    "training:requirement": MANAGE,
    "training:local_lesson": MANAGE,
    "training:manage_assignment": MANAGE,
    "training:manage_certificate": MANAGE,
    "training:person": MANAGE,
    "training:compliance": VIEW,
    "training:compliance_csv": VIEW,
    "training:compliance_pdf": VIEW,
    "training:completion_xapi": VIEW,
    "training:organization_compliance": VIEW,
    "training:organization_compliance_csv": VIEW,
    "training:organization_compliance_pdf": VIEW,
    "training:people": VIEW,
    "training:transcript": VIEW,
    "training:transcript_pdf": VIEW,
    "training:external_record": MANAGE,
    "training:sessions": MEMBER,
    "training:questions": MANAGE,
    "training:question": MANAGE,
    "training:organization_xapi": VIEW,
    "training:learning_record_store": MANAGE,
    "training:session": MEMBER,
    "training:choose_organization": None,  # POST only; checked in test_completion_rules
}


def test_every_training_staff_url_has_a_rule() -> None:
    assert set(TRAINING_OBJECT_URLS) | set(TRAINING_LIST_URLS) <= set(RULES)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_it_may(role: str, riverside: Organization, bob: User) -> None:
    world = training_world(organization=riverside, learner=bob)
    person = User.objects.create_user(f"{role}@riverside.test", None)
    Membership.objects.create(user=person, organization=riverside, role=role)
    client = logged_in(person)
    got: dict[str, int] = {}
    expected: dict[str, int] = {}
    for name, rule in RULES.items():
        if rule is None:
            continue
        if name in TRAINING_OBJECT_URLS:
            url = TRAINING_OBJECT_URLS[name][1](world)
        else:
            url = TRAINING_LIST_URLS[name]
        got[name] = client.get(url).status_code
        expected[name] = rule[Role(role)]
    assert got == expected
