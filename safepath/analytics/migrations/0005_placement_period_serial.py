"""PostgreSQL reads ``PlacementPeriod`` without parallel workers, as a setting of the table.

A page's reads of it are tens of thousands of index entries in a few dozen ranges: on two
cores, workers cost more to start and gather than they save (a year's page: 250 ms with
them, 160 ms without). Each read used to say so itself (``SET LOCAL`` in a transaction of
its own: three more round trips to the database per read); the table setting says it once.
"""

from django.db import migrations


def serial(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE analytics_placementperiod SET (parallel_workers = 0)")


def parallel(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE analytics_placementperiod RESET (parallel_workers)")


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0004_summary_zone"),
    ]

    operations = [
        migrations.RunPython(serial, parallel),
    ]
