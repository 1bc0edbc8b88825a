"""Attempts keep their items' types (the save path checks an answer's shape) and the items shown.

No backfill: an attempt from before this has empty ``item_types``, which the save path fills from the
bank on its first save, and empty ``seen_items``, which means "not recorded" to scoring.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rounds", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="item_types",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="attempt",
            name="seen_items",
            field=models.JSONField(default=list),
        ),
    ]
