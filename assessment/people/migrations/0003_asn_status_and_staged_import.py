"""The ASN categories (PNS, CPNS, PPPK, PPPK Paruh Waktu) and staged import rows.

Existing statuses are mapped to the new codes: PNS and PPPK stay; any other spelling a row may hold
(written through the admin or the shell) is read as the import reads it. What cannot be done: before this
migration the import stored CPNS as PNS, so a CPNS already in the register is indistinguishable from a PNS
and stays PNS (as do the statuses copied into earlier rounds' results). Importing the current register
again corrects it: the rows of CPNS then show as changed.
"""

import re

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

# The import's spellings at the time of this migration (services/fields.py), frozen here.
STATUS = {
    "pns": "PNS",
    "pegawainegerisipil": "PNS",
    "cpns": "CPNS",
    "calonpns": "CPNS",
    "calonpegawainegerisipil": "CPNS",
    "pppk": "PPPK",
    "p3k": "PPPK",
    "pppkpenuhwaktu": "PPPK",
    "pppkparuhwaktu": "PPPW",
    "p3kparuhwaktu": "PPPW",
    "pppkpw": "PPPW",
    "pppw": "PPPW",
}


def map_statuses(apps, schema_editor):
    Employee = apps.get_model("people", "Employee")
    for value in (
        Employee.objects.exclude(employment_status__in=["PNS", "PPPK"])
        .values_list("employment_status", flat=True)
        .distinct()
    ):
        code = STATUS.get(re.sub(r"[^a-z0-9]+", "", value.casefold()))
        if code is not None and code != value:
            Employee.objects.filter(employment_status=value).update(employment_status=code)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_import_checking_state"),
    ]

    operations = [
        migrations.RunPython(map_statuses, migrations.RunPython.noop),
        migrations.AddField(
            model_name="importjob",
            name="check_started_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="importjob",
            name="fingerprint",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="employee",
            name="employment_status",
            field=models.CharField(
                choices=[
                    ("PNS", "Civil servant (PNS)"),
                    ("CPNS", "Civil servant candidate (CPNS)"),
                    ("PPPK", "Contract civil servant (PPPK)"),
                    ("PPPW", "Part-time contract civil servant (PPPK Paruh Waktu)"),
                ],
                max_length=4,
                verbose_name="employment status",
            ),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="state",
            field=models.CharField(
                choices=[
                    ("checking", "Checking"),
                    ("checked", "Checked"),
                    ("stale", "Register changed since the check"),
                    ("rejected", "Has errors"),
                    ("queued", "Queued"),
                    ("running", "Importing"),
                    ("done", "Imported"),
                    ("failed", "Failed"),
                ],
                max_length=10,
            ),
        ),
        migrations.CreateModel(
            name="StagedRow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("row", models.PositiveIntegerField()),
                ("action", models.CharField(max_length=10)),
                ("employee_id", models.BigIntegerField(null=True)),
                ("unit_id", models.BigIntegerField(null=True)),
                ("unit", models.CharField(blank=True, max_length=200)),
                ("nip", models.CharField(blank=True, max_length=18)),
                ("full_name", models.CharField(blank=True, max_length=200)),
                ("position_title", models.CharField(blank=True, max_length=200)),
                ("position_type", models.CharField(blank=True, max_length=12)),
                ("employment_status", models.CharField(blank=True, max_length=4)),
                ("rank", models.CharField(blank=True, max_length=10)),
                ("education", models.CharField(blank=True, max_length=10)),
                ("sex", models.CharField(blank=True, max_length=1)),
                ("birth_date", models.DateField(null=True)),
                ("email", models.CharField(blank=True, max_length=254)),
                ("phone", models.CharField(blank=True, max_length=20)),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="staged_rows",
                        to="people.importjob",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["job", "action"], name="people_stag_job_id_b63500_idx")],
            },
        ),
    ]
