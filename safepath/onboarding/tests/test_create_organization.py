"""manage.py create_organization: sector template, routing policy, and an emailed invitation."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from safepath.accounts.models import Invitation, Organization, Unit
from safepath.core.testing import first_link
from safepath.routing.models import RoutingPolicy, TierRecipient

pytestmark = pytest.mark.django_db


def create(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("create_organization", *args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    result: dict[str, Any] = json.loads(lines[0])
    return result


def test_a_police_department_gets_units_a_policy_and_an_emailed_invitation(
    mail_server: Any,
) -> None:
    result = create(
        "--name",
        "Lakeside Police Department",
        "--kind",
        "law_enforcement",
        "--admin",
        "Chief@Lakeside.test",
    )

    organization = Organization.objects.get(slug=result["slug"])
    assert organization.name == "Lakeside Police Department"
    assert result["slug"] == "lakeside-police-department"
    assert set(Unit.objects.filter(organization=organization).values_list("slug", flat=True)) == {
        "patrol",
        "investigations",
    }
    policy = RoutingPolicy.objects.get(organization=organization, is_default=True)
    assert TierRecipient.objects.filter(tier__policy=policy).exists()
    assert result["suggested_courses"] == ["law-enforcement"]
    invitation = Invitation.objects.get(organization=organization)
    assert invitation.email == "chief@lakeside.test"
    assert invitation.role == "admin"
    (body,) = mail_server.wait_for("chief@lakeside.test")
    assert first_link(body, "/accounts/invitation/") == result["invitation_url"]
    # Only a hash of the link's token is stored.
    assert result["invitation_url"].rstrip("/").rsplit("/", 1)[1] not in invitation.token_hash


def test_a_school_under_a_district_gets_the_safety_team_that_routing_uses(
    mail_server: Any,
) -> None:
    district = create(
        "--name", "Maple County Schools", "--kind", "school_district", "--admin", "sup@maple.test"
    )
    school = create(
        "--name",
        "Lincoln High",
        "--kind",
        "school",
        "--admin",
        "p@lincoln.test",
        "--parent",
        district["slug"],
    )

    child = Organization.objects.get(slug=school["slug"])
    assert child.parent is not None and child.parent.slug == district["slug"]
    safety = Unit.objects.get(organization=child, slug="safety-team")
    assert TierRecipient.objects.filter(tier__policy__organization=child, unit=safety).exists()


def test_a_second_organization_with_the_same_name_gets_its_own_slug(mail_server: Any) -> None:
    first = create("--name", "Harbor Hotel", "--kind", "hotel", "--admin", "a@harbor.test")
    second = create("--name", "Harbor Hotel", "--kind", "hotel", "--admin", "b@harbor.test")

    assert first["slug"] != second["slug"]


@pytest.mark.parametrize(
    "args",
    [
        ["--name", "X", "--kind", "castle", "--admin", "a@x.test"],
        ["--name", "X", "--kind", "school", "--admin", "not-an-email"],
        ["--name", "X", "--kind", "school", "--admin", "a@x.test", "--parent", "nowhere"],
    ],
)
def test_bad_input_is_refused_and_saves_nothing(args: list[str], mail_server: Any) -> None:
    with pytest.raises((CommandError, SystemExit)):
        create(*args)

    assert not Organization.objects.exists()
    assert not Invitation.objects.exists()
    assert mail_server.messages == []
