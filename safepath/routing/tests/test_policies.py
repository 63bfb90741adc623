"""Editing routing: tier text validation, admin-only changes, tenancy, and area imports."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from safepath.accounts.models import Organization, User
from safepath.conftest import logged_in
from safepath.placements.models import Placement
from safepath.routing.models import OrganizationArea, PlacementRouting, RoutingPolicy
from safepath.routing.policytext import tiers_as_text
from safepath.routing.selectors import jurisdiction_for
from safepath.routing.services import areas_import, policy_create_default, policy_update

from .conftest import square

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(riverside: Organization, task_force: Organization) -> RoutingPolicy:
    return policy_create_default(organization=riverside)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one tier"),
        ("15/5:", "has no recipient"),
        ("15/5: riverside-pd\n30/5: metro-task-force, riverside-pd", "loop back"),
        ("15/5: nobody-here", "no organization"),
        ("15/5: riverside-pd/no-such-team", "no team"),
        ("fifteen: riverside-pd", "minutes/urgent minutes"),
        ("0/5: riverside-pd", "between 1 and"),
    ],
)
def test_invalid_tiers_are_refused_and_nothing_changes(
    policy: RoutingPolicy, text: str, message: str
) -> None:
    before = tiers_as_text(policy)

    with pytest.raises(ValidationError, match=message):
        policy_update(
            policy=policy,
            name="Changed",
            tiers_text=text,
            police_when_urgent=True,
            service_slugs=[],
        )

    policy.refresh_from_db()
    assert tiers_as_text(policy) == before and policy.name != "Changed"


def test_police_cannot_be_a_service_organization(policy: RoutingPolicy) -> None:
    with pytest.raises(ValidationError, match="not a service organization"):
        policy_update(
            policy=policy,
            name="x",
            tiers_text="5/5: riverside-pd",
            police_when_urgent=False,
            service_slugs=["metro-task-force"],
        )


def test_admin_edits_a_policy_from_the_dashboard(policy: RoutingPolicy, alice: User) -> None:
    response = logged_in(alice).post(
        f"/dashboard/routing/policies/{policy.pk}/",
        {"name": "Station", "tiers": "20/4: riverside-pd\n45/9: @task-force", "services": ""},
    )

    assert response.status_code == 302
    assert tiers_as_text(policy) == "20/4: riverside-pd\n45/9: @task-force"


def test_a_loop_in_the_form_is_a_400_with_the_reason(policy: RoutingPolicy, alice: User) -> None:
    response = logged_in(alice).post(
        f"/dashboard/routing/policies/{policy.pk}/",
        {"name": "Station", "tiers": "20/4: riverside-pd\n45/9: riverside-pd"},
    )

    assert response.status_code == 400
    assert "loop back" in response.content.decode()


def test_a_responder_sees_but_cannot_change_routing(
    policy: RoutingPolicy, bob_client: Client
) -> None:
    assert bob_client.get(f"/dashboard/routing/policies/{policy.pk}/").status_code == 200
    response = bob_client.post(
        f"/dashboard/routing/policies/{policy.pk}/", {"name": "x", "tiers": "1/1: riverside-pd"}
    )
    assert response.status_code == 403


def test_another_tenant_cannot_touch_routing(
    policy: RoutingPolicy, charlie_client: Client, bus_station: Placement, riverside: Organization
) -> None:
    assert (
        charlie_client.post(
            f"/dashboard/routing/policies/{policy.pk}/", {"name": "x", "tiers": "1/1: st-brigid"}
        ).status_code
        == 404
    )
    assert (
        charlie_client.post(
            f"/dashboard/routing/placements/{bus_station.code}/", {"policy": ""}
        ).status_code
        == 404
    )
    assert (
        charlie_client.post(
            "/dashboard/routing/webhooks/",
            {"organization": riverside.pk, "url": "https://evil.example/"},
        ).status_code
        == 404
    )
    upload = SimpleUploadedFile("a.geojson", json.dumps(square(0, 0, 1)).encode())
    assert (
        charlie_client.post(
            "/dashboard/routing/areas/", {"organization": riverside.pk, "file": upload}
        ).status_code
        == 404
    )
    assert not OrganizationArea.objects.exists()
    # "evil.example", not "evil": the time zone list names Africa/Libreville.
    assert "evil.example" not in charlie_client.get("/dashboard/routing/").content.decode()


def test_admin_assigns_a_policy_and_location_to_a_placement(
    policy: RoutingPolicy, alice: User, bus_station: Placement
) -> None:
    response = logged_in(alice).post(
        f"/dashboard/routing/placements/{bus_station.code}/",
        {"policy": policy.pk, "latitude": "40.1", "longitude": "-90.2"},
    )

    assert response.status_code == 302
    routing = PlacementRouting.objects.get(placement=bus_station)
    bus_station.refresh_from_db()
    assert routing.policy == policy
    assert (str(bus_station.latitude), str(bus_station.longitude)) == ("40.100000", "-90.200000")


def test_another_organizations_policy_cannot_be_assigned(
    alice: User, bus_station: Placement, st_brigid: Organization
) -> None:
    foreign = policy_create_default(organization=st_brigid)

    response = logged_in(alice).post(
        f"/dashboard/routing/placements/{bus_station.code}/", {"policy": foreign.pk}
    )

    assert response.status_code == 400
    assert not PlacementRouting.objects.exists()


def test_overview_lists_policies_and_shows_the_webhook_secret_to_admins(
    policy: RoutingPolicy, alice: User, bob_client: Client
) -> None:
    client = logged_in(alice)
    assert (
        client.post(
            "/dashboard/routing/webhooks/",
            {"organization": policy.organization_id, "url": "https://agency.example/h"},
        ).status_code
        == 302
    )
    page = client.get("/dashboard/routing/").content.decode()
    assert policy.name in page and "signing secret" in page
    assert "signing secret" not in bob_client.get("/dashboard/routing/").content.decode()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{not json", "not valid JSON"),
        (json.dumps({"type": "Point", "coordinates": [0, 0]}).encode(), "only Polygon"),
        (
            json.dumps(
                {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
            ).encode(),
            "not valid",
        ),
        (
            json.dumps(
                {"type": "Polygon", "coordinates": [[[0, 0], [500, 0], [500, 1], [0, 0]]]}
            ).encode(),
            "longitude, latitude",
        ),
        (json.dumps({"type": "FeatureCollection", "features": []}).encode(), "no area"),
    ],
)
def test_invalid_geojson_is_refused_and_nothing_saved(
    riverside: Organization, alice: User, payload: bytes, message: str
) -> None:
    areas_import(organization=riverside, text=json.dumps(square(-90, 40, 0.1)), verified=True)

    response = logged_in(alice).post(
        "/dashboard/routing/areas/",
        {"organization": riverside.pk, "file": SimpleUploadedFile("areas.geojson", payload)},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert OrganizationArea.objects.count() == 1  # the old area is kept


def test_jurisdiction_lookup_prefers_the_smallest_overlapping_area(
    riverside: Organization, county_sheriff: Organization, st_brigid: Organization
) -> None:
    state = Organization.objects.create(
        slug="state-police", name="State Police", kind="law_enforcement"
    )
    areas_import(organization=state, text=json.dumps(square(-90, 40, 5)), verified=True)
    areas_import(organization=county_sheriff, text=json.dumps(square(-90, 40, 1)), verified=True)
    areas_import(organization=riverside, text=json.dumps(square(-90.5, 40.5, 0.2)), verified=True)
    # A hospital's area never answers a police lookup.
    areas_import(organization=st_brigid, text=json.dumps(square(-90.5, 40.5, 0.01)), verified=True)
    police = {"law_enforcement"}

    def who(lat: float, lon: float) -> str | None:
        found = jurisdiction_for(latitude=lat, longitude=lon, kinds=police)
        return found[0].slug if found else None

    assert who(40.5, -90.5) == "riverside-pd"  # city in county in state
    assert who(40.0, -90.0) == "county-sheriff"  # county in state
    assert who(43.0, -87.0) == "state-police"
    assert who(10.0, 10.0) is None


def test_import_areas_command_reports_errors_and_imports(riverside: Organization, tmp_path) -> None:
    from django.core.management import CommandError, call_command

    good = tmp_path / "city.geojson"
    good.write_text(json.dumps(square(-90, 40, 0.1)))
    bad = tmp_path / "bad.geojson"
    bad.write_text("{}")

    call_command("import_areas", "riverside-pd", str(good))
    with pytest.raises(CommandError):
        call_command("import_areas", "riverside-pd", str(bad))
    assert OrganizationArea.objects.filter(organization=riverside).count() == 1


def test_an_area_uploaded_by_an_organization_waits_for_the_operator(
    riverside: Organization, county_sheriff: Organization, alice: User
) -> None:
    from django.core.management import call_command

    areas_import(organization=county_sheriff, text=json.dumps(square(-90, 40, 1)), verified=True)
    # Riverside draws a tiny area around a point inside the county's: it must not take over
    # the county's reports on its own say-so.
    response = logged_in(alice).post(
        "/dashboard/routing/areas/",
        {
            "organization": riverside.pk,
            "file": SimpleUploadedFile("mine.geojson", json.dumps(square(-90, 40, 0.01)).encode()),
        },
    )
    assert response.status_code in {200, 302}
    police = {"law_enforcement"}

    found = jurisdiction_for(latitude=40.0, longitude=-90.0, kinds=police)
    assert found is not None and found[0] == county_sheriff

    call_command("verify_areas", riverside.slug)

    found = jurisdiction_for(latitude=40.0, longitude=-90.0, kinds=police)
    assert found is not None and found[0] == riverside


@pytest.mark.parametrize(
    ("sector", "kind"), [("hospital", "healthcare"), ("school", "school"), ("public", "business")]
)
def test_a_policy_made_with_the_new_policy_form_starts_like_the_default(
    alice: User, riverside: Organization, sector: str, kind: str
) -> None:
    from safepath.routing.models import Sector

    sector_value = next(value for value in Sector.values if value.startswith(sector))
    other = Organization.objects.create(slug=f"org-{sector}", name=sector, kind=kind)
    default = policy_create_default(organization=other)

    response = logged_in(alice).post(
        "/dashboard/routing/policies/new/",
        {
            "organization": riverside.pk,
            "name": f"New {sector} policy",
            "sector": sector_value,
            "tiers": "15/5: riverside-pd",
        },
    )

    assert response.status_code == 302, response.content.decode()[:300]
    made = RoutingPolicy.objects.get(name=f"New {sector} policy")
    assert made.sector == default.sector == sector_value
    assert made.police_when_urgent == default.police_when_urgent


def _feature(properties: object, geometry: object = None) -> bytes:
    return json.dumps(
        {"type": "Feature", "properties": properties, "geometry": geometry or square(-90, 40, 0.1)}
    ).encode()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"type": "Feature", "geometry": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested too"),
        (_feature(["not", "an", "object"]), "must be an object"),
        (_feature("a string"), "must be an object"),
    ],
    ids=["deep array", "deep geometry", "properties list", "properties string"],
)
def test_hostile_geojson_is_refused_plainly(
    riverside: Organization, alice: User, payload: bytes, message: str
) -> None:
    response = logged_in(alice).post(
        "/dashboard/routing/areas/",
        {"organization": riverside.pk, "file": SimpleUploadedFile("areas.geojson", payload)},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OrganizationArea.objects.exists()


def test_an_area_name_with_nul_and_junk_members_is_stored_clean(
    riverside: Organization, alice: User
) -> None:
    geometry = {**square(-90, 40, 0.1), "junk": {"deep": [[["\u0000"]]]}}
    payload = _feature({"name": "North\u0000 side\u0007"}, geometry)

    response = logged_in(alice).post(
        "/dashboard/routing/areas/",
        {"organization": riverside.pk, "file": SimpleUploadedFile("areas.geojson", payload)},
    )

    assert response.status_code == 302
    area = OrganizationArea.objects.get()
    assert area.name == "North side"
    assert set(area.geometry) == {"type", "coordinates"}
