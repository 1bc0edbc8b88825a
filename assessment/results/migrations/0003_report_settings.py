from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0002_response_process_and_population"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("logo_png", models.BinaryField(blank=True, default=b"", verbose_name="logo")),
                ("logo_name", models.CharField(blank=True, max_length=200)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "report settings",
                "verbose_name_plural": "report settings",
            },
        ),
    ]
