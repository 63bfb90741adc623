# Wrapped data keys for encryption at rest (safepath.core.crypto).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("core", "0002_audit_append_only_trigger")]

    operations = [
        migrations.CreateModel(
            name="WrappedKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scope", models.CharField(max_length=40)),
                ("version", models.PositiveIntegerField()),
                ("wrapped", models.BinaryField()),
                ("master_key_id", models.CharField(max_length=16)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("scope", "version"), name="one_key_per_scope_version")],
            },
        ),
    ]
