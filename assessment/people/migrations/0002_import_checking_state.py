# The check of an uploaded register runs in the Celery worker: a job is "checking" until it is done.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importjob",
            name="state",
            field=models.CharField(
                choices=[
                    ("checking", "Checking"),
                    ("checked", "Checked"),
                    ("rejected", "Has errors"),
                    ("queued", "Queued"),
                    ("running", "Importing"),
                    ("done", "Imported"),
                    ("failed", "Failed"),
                ],
                max_length=10,
            ),
        ),
    ]
