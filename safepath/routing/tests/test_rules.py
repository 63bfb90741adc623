"""Routing rules: sector defaults, jurisdictions, the reporter's choice, and priority."""

from __future__ import annotations

import pytest
from django.core import mail

from safepath.accounts.models import Membership, Organization, Unit, User
from safepath.placements.models import Placement
from safepath.reports.models import RecipientPreference, Report, ReportPriority
from safepath.reports.services import report_start
from safepath.reports.signals import report_facts_changed
from safepath.routing.models import (
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventKind,
    ReportRecipient,
    RoutingState,
    Webhook,
)
from safepath.routing.services import (
    areas_import,
    deliveries_process_due,
    placement_set_location,
    responder_channels_set,
)
from safepath.routing.sms import LocmemSmsBackend

from .conftest import member, square

pytestmark = pytest.mark.django_db

MARKER = "Unique-marker-7f3a the man in the red truck"


def recipients(report: Report) -> set[str]:
    return set(
        ReportRecipient.objects.filter(report=report).values_list("organization__slug", flat=True)
    )


def delivered_emails() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def start(
    placement: Placement,
    *,
    priority: str = ReportPriority.NORMAL,
    preference: str = RecipientPreference.EITHER,
) -> Report:
    """Start a report whose facts are already known (as if the first answer carried them)."""
    report, _ = report_start(placement=placement, step="what", value=MARKER)
    if priority != report.priority or preference != report.recipient_preference:
        Report.objects.filter(pk=report.pk).update(
            priority=priority, recipient_preference=preference
        )
        report.refresh_from_db()
        report_facts_changed.send(
            sender=Report, report=report, changed={"priority", "recipient_preference"}
        )
    return report


def drain() -> None:
    while deliveries_process_due():
        pass


@pytest.fixture
def riverside_area(
    riverside: Organization, county_sheriff: Organization, task_force: Organization
) -> None:
    # Overlapping areas: the city inside the county, the task force across the region.
    areas_import(
        organization=county_sheriff, text=_fc(("County", square(-90, 40, 1.0))), verified=True
    )
    areas_import(
        organization=riverside, text=_fc(("City of Riverside", square(-90, 40, 0.1))), verified=True
    )
    areas_import(
        organization=task_force, text=_fc(("Metro region", square(-90, 40, 2.0))), verified=True
    )


def _fc(*areas: tuple[str, dict]) -> str:
    import json

    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"name": name}, "geometry": geometry}
                for name, geometry in areas
            ],
        }
    )


def test_police_owned_code_goes_to_its_members_without_the_report_words(
    alice: User, bob: User
) -> None:
    placement = Placement.objects.get_or_create(
        organization=alice.memberships.get().organization, public_name="Bus station"
    )[0]
    report = start(placement)
    drain()

    assert recipients(report) == {"riverside-pd"}
    assert delivered_emails() == {"alice@riverside.test", "bob@riverside.test"}
    for message in mail.outbox:
        assert "Unique-marker-7f3a" not in f"{message.subject} {message.body}"
        assert "red truck" not in message.body
        assert f"/dashboard/reports/{report.reference}/" in message.body
    event = report.routing_events.get(kind=EventKind.ROUTED)
    assert "Tier 1" in event.reason


def test_public_place_goes_to_the_most_specific_police_area_and_the_task_force(
    business: Organization, riverside_area: None, alice: User
) -> None:
    inn = Placement.objects.create(organization=business, public_name="Riverside Inn lobby")
    placement_set_location(placement=inn, latitude=40.02, longitude=-90.03)

    report = start(inn)

    # The city (smallest area) wins over the county; the business itself is not told.
    assert recipients(report) == {"riverside-pd", "metro-task-force"}
    reasons = " ".join(report.routing_events.values_list("reason", flat=True))
    assert "City of Riverside" in reasons and "Metro region" in reasons


def test_outside_the_city_the_county_is_the_police_of_the_place(
    business: Organization, riverside_area: None
) -> None:
    motel = Placement.objects.create(organization=business, public_name="Motel by the highway")
    placement_set_location(placement=motel, latitude=40.5, longitude=-90.5)

    assert recipients(start(motel)) == {"county-sheriff", "metro-task-force"}


def test_a_place_no_area_covers_still_reaches_the_owner(
    business: Organization, riverside_area: None
) -> None:
    far = Placement.objects.create(organization=business, public_name="Far away")
    placement_set_location(placement=far, latitude=10.0, longitude=10.0)

    report = start(far)

    assert recipients(report) == {"riverside-inn"}
    assert report.routing_events.filter(kind=EventKind.NOTE).exists()


def test_school_code_goes_to_the_safety_team_first(school: Organization) -> None:
    restroom = Placement.objects.create(organization=school, public_name="School restroom")

    report = start(restroom)
    drain()

    assert recipients(report) == {"riverside-schools"}
    # Only the safety team's member is told in the first tier, not the district's admin.
    assert delivered_emails() == {"sid@schools.test"}


def test_school_adds_local_police_when_someone_is_in_danger_now(
    school: Organization, riverside_area: None, alice: User
) -> None:
    restroom = Placement.objects.create(organization=school, public_name="School restroom")
    placement_set_location(placement=restroom, latitude=40.0, longitude=-90.0)

    report = start(restroom, priority=ReportPriority.URGENT)

    assert recipients(report) == {"riverside-schools", "riverside-pd"}
    assert "danger now" in report.routing_events.get(organization__slug="riverside-pd").reason


def test_hospital_never_adds_police_unless_urgent(
    st_brigid: Organization, riverside_area: None, charlie: User
) -> None:
    social = Unit.objects.create(organization=st_brigid, slug="social-work", name="Social work")
    Unit.objects.create(organization=st_brigid, slug="security", name="Security")
    Membership.objects.get(user=charlie).units.add(social)
    clinic = Placement.objects.create(organization=st_brigid, public_name="Exam room")
    placement_set_location(placement=clinic, latitude=40.0, longitude=-90.0)

    normal = start(clinic)
    urgent = start(clinic, priority=ReportPriority.URGENT)

    assert recipients(normal) == {"st-brigid"}
    assert recipients(urgent) == {"st-brigid", "riverside-pd"}
    state = RoutingState.objects.get(report=normal)
    assert (
        state.policy is not None and state.policy.tiers.count() == 2
    )  # social work, then security


def test_service_only_report_never_reaches_law_enforcement_by_any_channel(
    bus_station: Placement,
    alice: User,
    bob: User,
    shelter: Organization,
    hotline: Organization,
    settings,
) -> None:
    settings.HOTLINE_ORGANIZATION = "national-hotline"
    settings.FALLBACK_ORGANIZATION = "riverside-pd"
    membership = Membership.objects.get(user=bob)
    responder_channels_set(membership=membership, email=True, phone="+15550001111", sms_always=True)
    Webhook.objects.create(organization=bus_station.organization, url="http://127.0.0.1:9/hook")

    report = start(
        bus_station, priority=ReportPriority.URGENT, preference=RecipientPreference.SERVICE
    )
    drain()

    assert recipients(report) == {"national-hotline"}
    assert delivered_emails() == {"hana@hotline.test"}
    assert LocmemSmsBackend.outbox == []
    police_deliveries = Delivery.objects.filter(report=report, organization__slug="riverside-pd")
    assert not police_deliveries.filter(status=DeliveryStatus.SENT).exists()
    assert not police_deliveries.filter(status=DeliveryStatus.PENDING).exists()
    assert report.routing_events.filter(
        kind=EventKind.REMOVED, organization__slug="riverside-pd"
    ).exists()


def test_policy_service_organizations_are_preferred_over_the_hotline(
    bus_station: Placement, alice: User, shelter: Organization, hotline: Organization, settings
) -> None:
    from safepath.routing.services import policy_create_default

    settings.HOTLINE_ORGANIZATION = "national-hotline"
    policy = policy_create_default(organization=bus_station.organization)
    policy.service_organizations.add(shelter)

    report = start(bus_station, preference=RecipientPreference.SERVICE)

    assert recipients(report) == {"harbor-shelter"}


def test_reporter_saying_not_police_later_removes_police_before_they_are_told(
    bus_station: Placement, bob: User, bob_client, hotline: Organization, settings
) -> None:
    settings.HOTLINE_ORGANIZATION = "national-hotline"
    report, _ = report_start(placement=bus_station, step="what", value=MARKER)
    assert recipients(report) == {"riverside-pd"}

    Report.objects.filter(pk=report.pk).update(recipient_preference=RecipientPreference.SERVICE)
    report_facts_changed.send(sender=Report, report=report, changed={"recipient_preference"})
    drain()

    assert recipients(report) == {"national-hotline"}
    assert "bob@riverside.test" not in delivered_emails()
    page = bob_client.get(f"/dashboard/reports/{report.reference}/")
    assert page.status_code == 410  # an honest line, no contents (issue 11)
    assert MARKER not in page.content.decode()


def test_reporter_asking_for_police_adds_the_place_police(
    business: Organization, riverside_area: None, alice: User, shelter: Organization
) -> None:
    from safepath.routing.services import policy_update

    inn = Placement.objects.create(organization=business, public_name="Inn")
    placement_set_location(placement=inn, latitude=40.0, longitude=-90.0)
    policy = inn.organization.routing_policies.first()
    assert policy is None
    report = start(inn, preference=RecipientPreference.SERVICE)
    policy = inn.organization.routing_policies.get()
    policy_update(
        policy=policy,
        name="Inn",
        tiers_text="15/5: riverside-inn",
        police_when_urgent=False,
        service_slugs=[],
    )
    assert "riverside-pd" not in recipients(report)

    Report.objects.filter(pk=report.pk).update(recipient_preference=RecipientPreference.POLICE)
    report_facts_changed.send(sender=Report, report=report, changed={"recipient_preference"})

    assert "riverside-pd" in recipients(report)


def test_urgent_uses_every_channel_and_short_times(bus_station: Placement, bob: User) -> None:
    responder_channels_set(
        membership=Membership.objects.get(user=bob),
        email=True,
        phone="+15550002222",
        sms_always=False,
    )

    normal = start(bus_station)
    drain()
    assert LocmemSmsBackend.outbox == []
    normal_due = RoutingState.objects.get(report=normal).escalate_at
    assert normal_due is not None
    normal_wait = normal_due - normal.created_at

    urgent = start(bus_station, priority=ReportPriority.URGENT)
    drain()

    assert [sms.to for sms in LocmemSmsBackend.outbox] == ["+15550002222"]
    assert MARKER not in LocmemSmsBackend.outbox[0].body
    assert bus_station.public_name in LocmemSmsBackend.outbox[0].body
    urgent_due = RoutingState.objects.get(report=urgent).escalate_at
    assert urgent_due is not None
    urgent_wait = urgent_due - urgent.created_at
    assert urgent_wait < normal_wait
    channels = set(Delivery.objects.filter(report=urgent).values_list("channel", flat=True))
    assert channels == {DeliveryChannel.EMAIL, DeliveryChannel.SMS}


def test_a_report_becoming_urgent_adds_sms_to_those_already_told(
    bus_station: Placement, bob: User
) -> None:
    responder_channels_set(
        membership=Membership.objects.get(user=bob),
        email=True,
        phone="+15550003333",
        sms_always=False,
    )
    report = start(bus_station)
    drain()

    Report.objects.filter(pk=report.pk).update(priority=ReportPriority.URGENT)
    report_facts_changed.send(sender=Report, report=report, changed={"priority"})
    drain()

    assert len(mail.outbox) == 1  # not emailed twice
    assert [sms.to for sms in LocmemSmsBackend.outbox] == ["+15550003333"]


def test_a_member_of_a_unit_not_named_is_not_told(st_brigid: Organization, charlie: User) -> None:
    social = Unit.objects.create(organization=st_brigid, slug="social-work", name="Social work")
    nurse = member("nia@stbrigid.test", st_brigid)
    Membership.objects.get(user=nurse).units.add(social)
    clinic = Placement.objects.create(organization=st_brigid, public_name="Exam room")

    start(clinic)
    drain()

    assert delivered_emails() == {"nia@stbrigid.test"}


def test_the_location_given_on_the_routing_page_is_the_one_routing_uses(
    business: Organization, riverside_area: None, alice: User
) -> None:
    from safepath.conftest import logged_in

    # The placement says it is far away; an admin corrects it on the Routing page.
    inn = Placement.objects.create(
        organization=business, public_name="Riverside Inn lobby", latitude=10, longitude=10
    )
    admin = Membership.objects.create(user=alice, organization=business, role="admin")
    client = logged_in(alice)

    response = client.post(
        f"/dashboard/routing/placements/{inn.code}/",
        {"policy": "", "latitude": "40.02", "longitude": "-90.03"},
    )

    assert response.status_code == 302, response.content.decode()[:500]
    page = client.get("/dashboard/routing/").content.decode()
    assert "40.020000, -90.030000" in page  # the page shows the copy routing uses
    admin.delete()  # a business with no members of its own, as in the test above
    inn.refresh_from_db()
    assert recipients(start(inn)) == {"riverside-pd", "metro-task-force"}


def test_demo_placements_reach_the_task_force_tier() -> None:
    from safepath.core.demo import seed_demo
    from safepath.routing.selectors import jurisdiction_for, placement_coordinates

    seed_demo()

    for placement in Placement.objects.filter(organization__slug="riverside-pd"):
        where = placement_coordinates(placement=placement)
        assert where is not None, placement.public_name
        found = jurisdiction_for(latitude=where[0], longitude=where[1], kinds={"task_force"})
        assert found is not None, f"{placement.public_name} is outside the task force's region"
        assert found[0].slug == "metro-task-force"


def test_a_tier_naming_two_teams_of_one_organization_tells_it_once(
    bus_station: Placement, riverside: Organization, alice: User
) -> None:
    """A new report is routed without looking for earlier recipients or deliveries (it has
    none); an organization named twice in its first tier is still one recipient, and each
    member is told once."""
    from safepath.routing.services import policy_create_default, policy_update

    patrol = Unit.objects.create(organization=riverside, slug="patrol", name="Patrol")
    vice = Unit.objects.create(organization=riverside, slug="vice", name="Vice")
    both = member("both@riverside.test", riverside)
    Membership.objects.get(user=both).units.add(patrol, vice)
    policy = policy_create_default(organization=riverside)
    policy_update(
        policy=policy,
        name=policy.name,
        tiers_text="15/5: riverside-pd/patrol, riverside-pd/vice",
        police_when_urgent=False,
        service_slugs=[],
    )

    report = start(bus_station)

    assert recipients(report) == {"riverside-pd"}
    told = list(Delivery.objects.filter(report=report).values_list("user__email", "channel"))
    assert sorted(told) == [("both@riverside.test", DeliveryChannel.EMAIL)]
    assert RoutingState.objects.get(report=report).escalate_at is not None
