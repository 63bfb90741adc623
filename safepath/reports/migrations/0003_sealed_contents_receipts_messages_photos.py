# Answers move from plain text to sealed (encrypted) blobs; receipts, messages, photos and the
# abuse flag arrive. Existing plain answers are sealed in place, then the plain column goes.

import json

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def seal_existing_answers(apps, schema_editor):
    # Uses the live crypto module (its WrappedKey rows are created by core.0001, a dependency).
    from safepath.core.crypto import organization_scope, seal_text

    ReportEntry = apps.get_model("reports", "ReportEntry")
    for entry in ReportEntry.objects.select_related("report__placement").iterator():
        report = entry.report
        entry.sealed_body = seal_text(
            scope=organization_scope(report.placement.organization_id),
            context=f"{report.reference}:entry:{entry.step}",
            text=json.dumps({"choices": [], "text": entry.body}, ensure_ascii=False),
        )
        entry.save(update_fields=["sealed_body"])


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_wrapped_keys"),
        ("reports", "0002_report_priority_report_recipient_preference_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="reportentry",
            name="sealed_body",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="reportentry",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.RunPython(seal_existing_answers, migrations.RunPython.noop),
        migrations.RemoveField(model_name="reportentry", name="body"),
        migrations.AddField(
            model_name="report",
            name="language",
            field=models.CharField(blank=True, max_length=12),
        ),
        migrations.AddField(
            model_name="report",
            name="flagged",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="report",
            name="flag_reason",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.CreateModel(
            name="ReportReceipt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("lookup", models.CharField(db_index=True, max_length=8)),
                ("receipt_hash", models.CharField(max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("report", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="receipts", to="reports.report")),
            ],
        ),
        migrations.CreateModel(
            name="ReportMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("direction", models.CharField(choices=[("from_responder", "From a responder"), ("from_reporter", "From the reporter")], max_length=20)),
                ("sealed_body", models.BinaryField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("author", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("report", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="messages", to="reports.report")),
            ],
            options={"ordering": ["created_at", "pk"]},
        ),
        migrations.CreateModel(
            name="ReportPhoto",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sealed_data", models.BinaryField()),
                ("width", models.PositiveIntegerField()),
                ("height", models.PositiveIntegerField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("report", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="photos", to="reports.report")),
            ],
        ),
    ]
