from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="mfa_enrolment_nonce",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
    ]
