"""The official region list: 38 provinces and 514 regencies and cities, with their time zones."""

from tenants import wilayah


def test_the_list_has_every_region() -> None:
    regions = wilayah.official_regions().values()
    assert sum(r.kind == "provinsi" for r in regions) == 38
    assert sum(r.kind in {"kabupaten", "kota"} for r in regions) == 514


def test_time_zones_follow_the_province() -> None:
    assert wilayah.get("64.02").time_zone == "WITA"  # Kutai Kartanegara, Kalimantan Timur
    assert wilayah.get("31.71").time_zone == "WIB"  # Jakarta Pusat
    assert wilayah.get("91").time_zone == "WIT"  # Papua
    assert wilayah.get("51.71").time_zone == "WITA"  # Denpasar


def test_codes_in_any_spelling() -> None:
    assert wilayah.normalise_code("6402") == "64.02"
    assert wilayah.normalise_code("64.02 — Kabupaten Kutai Kartanegara") == "64.02"
    assert wilayah.normalise_code("kutai") == ""


def test_search_by_name_and_code() -> None:
    assert wilayah.search("kutai kartanegara")[0].code == "64.02"
    assert wilayah.search("6472")[0].code == "64.72"
    assert wilayah.suggest_slug(wilayah.get("64.72")) == "kota-samarinda"
