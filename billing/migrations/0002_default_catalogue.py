"""The default catalogue: the trial and two paid plans with volume tiers (the operator may change them)."""

from django.db import migrations

# (code, name, kind, description, max participants, max rounds, order, [(from seats, Rp per employee/year)])
PLANS = [
    (
        "uji-coba",
        "Uji Coba",
        "trial",
        "Gratis: satu ronde untuk paling banyak 100 pegawai; semua fitur lain dapat dipakai.",
        100,
        1,
        0,
        [],
    ),
    (
        "standar",
        "Standar",
        "paid",
        "Ronde tanpa batas dalam tahun kontrak, laporan wilayah dan unit kerja, rencana belajar, tolok ukur "
        "nasional, dukungan melalui email.",
        None,
        None,
        10,
        [(1, 60_000), (1_000, 50_000), (5_000, 40_000), (20_000, 30_000)],
    ),
    (
        "profesional",
        "Profesional",
        "paid",
        "Semua yang ada di Standar, ditambah pendampingan hari tes, pelatihan admin di lokasi dan dukungan "
        "prioritas.",
        None,
        None,
        20,
        [(1, 90_000), (1_000, 75_000), (5_000, 60_000), (20_000, 45_000)],
    ),
]


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    PlanTier = apps.get_model("billing", "PlanTier")
    for code, name, kind, description, max_participants, max_rounds, order, tiers in PLANS:
        plan, created = Plan.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "description": description,
                "max_participants": max_participants,
                "max_rounds": max_rounds,
                "sort_order": order,
            },
        )
        if created:
            PlanTier.objects.bulk_create(
                PlanTier(plan=plan, min_seats=low, unit_price=price) for low, price in tiers
            )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
