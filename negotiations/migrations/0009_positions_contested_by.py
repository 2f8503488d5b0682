"""Positions keep the claims that contest them, and are derived again by the new rules;
a webhook delivery can be withdrawn when its statement is retracted before it goes out.

The rules changed (a claim on a whole proposal no longer counts for the issues
it addresses; one position per pair and day): the stored rows, a cache of the
claims, are rebuilt with the rules as they are now. That uses the live code on
purpose; if a later migration changes Position, turn `rebuild_positions` below
into a no-op and run `manage.py rebuild_positions` after migrating instead.
"""

from django.db import migrations, models


def rebuild_positions(apps, schema_editor):
    Claim = apps.get_model("negotiations", "Claim")
    if not Claim.objects.exists():
        return
    from negotiations.positions import rebuild

    rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("negotiations", "0008_indexes_for_scale"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="position",
            name="contested",
        ),
        migrations.AddField(
            model_name="position",
            name="contesting_claim_ids",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Claims that disputed this position while it stood.",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="delivery",
            name="delivery_status_valid",
        ),
        migrations.AlterField(
            model_name="delivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "pending"),
                    ("delivered", "delivered"),
                    ("failed", "failed (gave up)"),
                    ("withdrawn", "withdrawn (its statement is no longer published)"),
                ],
                default="pending",
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["pending", "delivered", "failed", "withdrawn"])),
                name="delivery_status_valid",
            ),
        ),
        migrations.RunPython(rebuild_positions, migrations.RunPython.noop, elidable=True),
    ]
