"""Mantel-Haenszel DIF: the statistics on a hand-made table, ETS categories, purification, the report,
and detection rates by simulation."""

import math
from dataclasses import replace

import numpy as np
import pytest

from assessment.scoring.dif import dif_report, ets_category, mantel_haenszel
from assessment.scoring.simulate import draw_scores, draw_theta, make_form

DIF = 0.6  # logits: the studied item's b is this much higher for the focal group


def test_mh_statistics_on_a_two_stratum_table() -> None:
    # one item (its own matching score) and a second item defining two strata, built cell by cell
    rows = []
    # stratum "other item = 0": reference 30 right / 20 wrong, focal 10 right / 40 wrong
    # stratum "other item = 1": reference 40 right / 10 wrong, focal 25 right / 25 wrong
    for other, cells in ((0, ((30, 20), (10, 40))), (1, ((40, 10), (25, 25)))):
        for group, (right, wrong) in enumerate(cells):
            rows += [(1, other, group)] * right + [(0, other, group)] * wrong
    data = np.array(rows)
    scores = data[:, :2].astype(np.int8)
    focal = data[:, 2] == 1
    items = make_form(
        np.random.default_rng(1),
        items_per_area=2,
        areas=(1,),
        n_multiple_response=0,
        n_ordering=0,
        n_scenario=0,
    )
    (res, _) = mantel_haenszel(scores, None, items, focal, ~focal, matching="rest", purify=False)
    a, b, c, d = np.array([30, 40.0]), np.array([20, 10.0]), np.array([10, 25.0]), np.array([40, 25.0])
    t = a + b + c + d
    alpha = float((a * d / t).sum() / (b * c / t).sum())
    assert res.alpha == pytest.approx(alpha)
    assert res.delta == pytest.approx(-2.35 * math.log(alpha))
    p, q, r, s = (a + d) / t, (b + c) / t, a * d / t, b * c / t
    var = (
        (p * r).sum() / (2 * r.sum() ** 2)
        + (p * s + q * r).sum() / (2 * r.sum() * s.sum())
        + (q * s).sum() / (2 * s.sum() ** 2)
    )
    assert res.se_delta == pytest.approx(2.35 * math.sqrt(var))
    e = ((a + b) * (a + c) / t).sum()
    v = ((a + b) * (c + d) * (a + c) * (b + d) / (t * t * (t - 1))).sum()
    assert res.chi2 == pytest.approx((abs(a.sum() - e) - 0.5) ** 2 / v)
    assert (res.n_reference, res.n_focal) == (100, 100)
    assert res.smd == pytest.approx(0.5 * (0.2 - 0.6) + 0.5 * (0.5 - 0.8))
    assert res.category == "C"  # Delta about -3.9 with SE about 0.7


@pytest.mark.parametrize(
    ("delta", "se", "p", "expected"),
    [
        (-0.9, 0.1, 1e-9, "A"),
        (-1.8, 0.2, 0.2, "A"),  # not significant
        (-1.4, 0.1, 1e-9, "B"),
        (1.6, 0.5, 1e-9, "B"),  # not significantly above 1
        (-1.6, 0.3, 1e-9, "C"),
        (1.5, 0.2, 1e-9, "C"),
        (-1.49, 0.01, 1e-9, "B"),
    ],
)
def test_ets_categories(delta: float, se: float, p: float, expected: str) -> None:
    assert ets_category(delta, se, p) == expected


def _dif_data(rng: np.random.Generator, form, studied: int, n: int, impact: float = -0.3):
    focal_form = [replace(it, b=it.b + DIF) if k == studied else it for k, it in enumerate(form)]
    ref = draw_scores(rng, form, draw_theta(rng, n, 0.0, n_areas=1), areas=(1,))
    foc = draw_scores(rng, focal_form, draw_theta(rng, n, impact, n_areas=1), areas=(1,))
    focal = np.arange(2 * n) >= n
    return np.vstack([ref, foc]), focal


def _rates(a: float, n: int, reps: int, seed: int) -> tuple[float, float, float]:
    rng = np.random.default_rng(seed)
    form = make_form(rng, items_per_area=16, areas=(1,), a_range=(1.0, 1.6))
    studied = next(k for k, it in enumerate(form) if it.max_score == 1 and it.level in (2, 3))
    form = tuple(replace(it, a=a) if k == studied else it for k, it in enumerate(form))
    hits = false_c = others = 0
    deltas = []
    for _ in range(reps):
        scores, focal = _dif_data(rng, form, studied, n)
        res = mantel_haenszel(scores, None, form, focal, ~focal)
        hits += res[studied].category == "C"
        deltas.append(res[studied].delta)
        false_c += sum(d.category == "C" for k, d in enumerate(res) if k != studied)
        others += len(res) - 1
    return hits / reps, false_c / others, float(np.mean(deltas))


def test_uniform_dif_of_six_tenths_logit_flagged_c_at_a_realistic_discrimination() -> None:
    """5,000 reference / 5,000 focal (focal 0.3 lower), 16 items, studied 2PL item with a = 1.3 (the
    bank's discriminations run 0.75-1.6, median 1.1).  |Delta| is about 2.35 * a * 0.6 = 1.8.
    Measured over 200 replications: C in 99.5 % at a = 1.3, 95 % at a = 1.2, 66 % at a = 1.1."""
    hit, false_c, delta = _rates(1.3, 5000, 40, seed=11)
    print(f"DIF a=1.3, 5000/5000: C in {hit:.0%}, false C {false_c:.1%}, mean Delta {delta:.2f}")
    assert hit >= 0.95
    assert false_c <= 0.05


def test_at_a_equal_to_one_the_ets_rule_calls_the_same_shift_b() -> None:
    """The ETS rule is about the odds ratio, not logits of b: at a = 1 the 0.6-logit shift is
    |Delta| of about 1.41 < 1.5, so C is rare and becomes rarer as N grows (Delta estimated better):
    measured over 200 replications, C in 25 % at 2,000/2,000, 14.5 % at 5,000/5,000, 8.5 % at
    10,000/10,000."""
    hit, false_c, delta = _rates(1.0, 10_000, 20, seed=12)
    print(f"DIF a=1.0, 10000/10000: C in {hit:.0%}, false C {false_c:.1%}, mean Delta {delta:.2f}")
    assert hit <= 0.25  # 8.5 % over 200 replications
    assert -1.5 < delta < -1.3
    assert false_c <= 0.05


def test_purification_removes_c_items_from_the_matching_score() -> None:
    rng = np.random.default_rng(13)
    form = make_form(rng, items_per_area=12, areas=(1,), a_range=(1.2, 1.6))
    # three items favour the reference group strongly: unpurified matching is contaminated
    biased = [1, 4, 7]
    focal_form = [replace(it, b=it.b + 1.0) if k in biased else it for k, it in enumerate(form)]
    n = 4000
    ref = draw_scores(rng, form, draw_theta(rng, n, 0.0, n_areas=1), areas=(1,))
    foc = draw_scores(rng, focal_form, draw_theta(rng, n, 0.0, n_areas=1), areas=(1,))
    scores = np.vstack([ref, foc])
    focal = np.arange(2 * n) >= n
    plain = mantel_haenszel(scores, None, form, focal, ~focal, purify=False)
    pure = mantel_haenszel(scores, None, form, focal, ~focal)
    assert {k for k, d in enumerate(pure) if d.category == "C"} == set(biased)
    clean = [k for k in range(len(form)) if k not in biased]
    # contamination makes clean items look like they favour the focal group; purification removes that
    assert np.mean([plain[k].delta for k in clean]) > np.mean([pure[k].delta for k in clean]) + 0.05
    assert abs(np.mean([pure[k].delta for k in clean])) < 0.15


def test_partial_credit_items_and_rest_score_matching() -> None:
    rng = np.random.default_rng(14)
    form = make_form(rng, items_per_area=12, areas=(2,), a_range=(1.2, 1.6))
    pc = next(k for k, it in enumerate(form) if it.max_score == 2)
    focal_form = [replace(it, b=it.b + 0.8) if k == pc else it for k, it in enumerate(form)]
    n = 5000
    ref = draw_scores(rng, form, draw_theta(rng, n, 0.0, n_areas=1), areas=(2,))
    foc = draw_scores(rng, focal_form, draw_theta(rng, n, -0.2, n_areas=1), areas=(2,))
    scores = np.vstack([ref, foc])
    focal = np.arange(2 * n) >= n
    for matching in ("total", "rest"):
        res = mantel_haenszel(scores, None, form, focal, ~focal, matching=matching)
        assert res[pc].category == "C"
        assert res[pc].delta < 0
        assert res[pc].smd < -0.1  # the focal group scores lower on the item at equal total
        assert sum(d.category == "C" for d in res) == 1


def test_mask_excludes_persons_not_given_the_item() -> None:
    rng = np.random.default_rng(15)
    form = make_form(rng, items_per_area=8, areas=(1,))
    scores = draw_scores(rng, form, draw_theta(rng, 2000, 0.0, n_areas=1), areas=(1,))
    mask = np.ones(scores.shape, dtype=bool)
    mask[:500, 0] = False
    focal = np.arange(2000) % 2 == 1
    res = mantel_haenszel(scores, mask, form, focal, ~focal)
    assert res[0].n_reference + res[0].n_focal == 1500
    assert res[1].n_reference + res[1].n_focal == 2000


def test_bad_input_is_refused_with_a_message() -> None:
    form = make_form(np.random.default_rng(16), items_per_area=8, areas=(1,))
    scores = np.zeros((10, 8), dtype=np.int8)
    group = np.arange(10) < 5
    with pytest.raises(ValueError, match="both the focal and the reference"):
        mantel_haenszel(scores, None, form, group, np.ones(10, dtype=bool))
    with pytest.raises(ValueError, match="must both have persons"):
        mantel_haenszel(scores, None, form, np.zeros(10, dtype=bool), group)
    with pytest.raises(ValueError, match="in the order of items"):
        mantel_haenszel(scores[:, :7], None, form, group, ~group)
    with pytest.raises(ValueError, match="matching"):
        mantel_haenszel(scores, None, form, group, ~group, matching="sum")  # type: ignore[arg-type]


def test_dif_report_over_several_variables() -> None:
    rng = np.random.default_rng(17)
    form = make_form(rng, items_per_area=12, areas=(1, 2), a_range=(1.2, 1.6))
    studied = next(k for k, it in enumerate(form) if it.area == 2 and it.max_score == 1)
    n = 6000
    sex = np.array(["F", "M"])[rng.integers(0, 2, n)]
    region = np.array(["kota", "kabupaten", "provinsi"])[rng.integers(0, 3, n)]
    theta = draw_theta(rng, n, 0.0, n_areas=2)
    scores = draw_scores(rng, form, theta, areas=(1, 2))
    focal_form = [replace(it, b=it.b + 1.0) if k == studied else it for k, it in enumerate(form)]
    in_kab = region == "kabupaten"
    scores[in_kab] = draw_scores(rng, focal_form, theta[in_kab], areas=(1, 2))
    sex_labels = [None if k % 10 == 0 else str(s) for k, s in enumerate(sex)]
    education = ["S3"] * 50 + ["S1"] * (n - 50)
    out = dif_report(
        form,
        scores,
        None,
        {"sex": sex_labels, "region_kind": list(region), "education": education},
        {"sex": "F", "region_kind": "kota", "education": "S1"},
    )
    assert [(c.variable, c.reference, c.focal) for c in out] == [
        ("sex", "F", "M"),
        ("region_kind", "kota", "kabupaten"),
        ("region_kind", "kota", "provinsi"),
        ("education", "S1", "S3"),
    ]
    by_focal = {c.focal: c for c in out}
    assert by_focal["M"].n_focal + by_focal["M"].n_reference == n - n // 10  # None labels left out
    assert [d.id for d in by_focal["kabupaten"].flagged] == [form[studied].id]
    assert by_focal["provinsi"].flagged == ()
    assert by_focal["M"].flagged == ()
    assert by_focal["S3"].items == ()
    assert "fewer than 100" in by_focal["S3"].note
    with pytest.raises(ValueError, match="reference label 'X'"):
        dif_report(form, scores, None, {"sex": sex_labels}, {"sex": "X"})
    with pytest.raises(ValueError, match="labels for"):
        dif_report(form, scores, None, {"sex": sex_labels[:-1]}, {"sex": "F"})


def test_rotated_forms_are_matched_within_their_form() -> None:
    """Two forms of one area share 6 items; the focal group mostly took the harder form. Matched on raw
    area scores pooled over forms, the shared items would look harder for the focal group (same raw
    score, higher ability on the hard form); matched within form (strata form x score) they do not."""
    rng = np.random.default_rng(23)
    bank = make_form(rng, items_per_area=18, areas=(1,), n_multiple_response=0, n_ordering=0, n_scenario=0)
    shared, easy, hard = list(range(6)), list(range(6, 12)), list(range(12, 18))
    bank = [
        replace(it, b=it.b - 1.2) if k in easy else replace(it, b=it.b + 1.2) if k in hard else it
        for k, it in enumerate(bank)
    ]
    n = 6000
    theta = draw_theta(rng, n, 0.0, n_areas=1)
    x = draw_scores(rng, bank, theta, areas=(1,))
    focal = rng.random(n) < 0.5
    on_hard = np.where(focal, rng.random(n) < 0.85, rng.random(n) < 0.15)
    mask = np.zeros_like(x, dtype=bool)
    mask[:, shared] = True
    mask[np.ix_(~on_hard, easy)] = True
    mask[np.ix_(on_hard, hard)] = True
    x = np.where(mask, x, 0).astype(np.int8)
    results = mantel_haenszel(x, mask, bank, focal, ~focal, purify=False)
    assert [r.category for r in results[:6]] == ["A"] * 6
    assert max(abs(r.delta) for r in results[:6]) < 0.5
