"""Seal case titles and the reasons given for links and shares, like other case contents."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def seal_existing(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from safepath.core.crypto import organization_scope, seal_text

    def sealed(organization_id: int, context: str, text: str) -> bytes:
        return seal_text(scope=organization_scope(organization_id), context=context, text=text)

    for case in apps.get_model("cases", "Case").objects.all():
        case.sealed_title = sealed(case.organization_id, f"case-title:{case.reference}", case.title)
        case.save(update_fields=["sealed_title"])
    for link in apps.get_model("cases", "CaseReport").objects.select_related("case"):
        link.sealed_reason = sealed(
            link.case.organization_id, f"case-link:{link.case_id}:{link.report_id}", link.reason
        )
        link.save(update_fields=["sealed_reason"])
    for share in apps.get_model("cases", "Share").objects.all():
        share.sealed_reason = sealed(
            share.shared_by_id, f"share-reason:{share.shared_with_id}", share.reason
        )
        share.save(update_fields=["sealed_reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_sealed_notes_entries_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="case", name="sealed_title", field=models.BinaryField(default=b"")
        ),
        migrations.AddField(
            model_name="casereport", name="sealed_reason", field=models.BinaryField(default=b"")
        ),
        migrations.AddField(
            model_name="share", name="sealed_reason", field=models.BinaryField(default=b"")
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
        migrations.RemoveField(model_name="case", name="title"),
        migrations.RemoveField(model_name="casereport", name="reason"),
        migrations.RemoveField(model_name="share", name="reason"),
    ]
