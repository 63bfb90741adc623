"""A placement's coordinates live on the placement alone: fold the routing copy into it.

Where the placement had none, the coordinates given on the Routing page move to the
placement; where both existed the placement's own (the ones routing already used) win.
"""

from decimal import Decimal

from django.db import migrations


def fold_coordinates(apps, schema_editor):
    PlacementRouting = apps.get_model("routing", "PlacementRouting")
    Placement = apps.get_model("placements", "Placement")
    for routing in PlacementRouting.objects.filter(
        latitude__isnull=False, longitude__isnull=False
    ).iterator():
        Placement.objects.filter(
            pk=routing.placement_id, latitude__isnull=True, longitude__isnull=True
        ).update(
            latitude=Decimal(f"{routing.latitude:.6f}"),
            longitude=Decimal(f"{routing.longitude:.6f}"),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0004_area_verification"),
        ("placements", "0003_placement_details"),
    ]

    operations = [
        migrations.RunPython(fold_coordinates, migrations.RunPython.noop),
        migrations.RemoveField(model_name="placementrouting", name="latitude"),
        migrations.RemoveField(model_name="placementrouting", name="longitude"),
    ]
