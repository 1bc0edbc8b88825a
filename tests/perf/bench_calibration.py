"""Calibration benchmark, run by hand: ``python tests/perf/bench_calibration.py [--seed N]``.

Prints figures, asserts nothing.  The case of issue #17: 50,000 takers x 60 items (5 areas x 12, the
bank's mix: 8 one-answer items with a lower asymptote c ~ U(.15, .30), 2 multiple-response and 2
ordering items per area) from 5 regions of 10,000 with different mean abilities, calibrated as a
5-group MML with ``guessing="auto"`` (three candidate models per area) and ``guessing="none"``.
Target: <= 60 s on 2 cores.

Baselines measured in the same run on the same machine, so figures from different machines compare:
* ``unique``: ``np.unique(scores, axis=0)`` on the 50,000 x 60 matrix (the pattern compression);
* ``single``: the former single-group 2PL calibration of 10,000 x 60 (the independent check's case).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assessment.scoring import CalibrationResult, ItemSpec, calibrate
from assessment.scoring.dif import dif_report
from assessment.scoring.linking import screen_drift
from assessment.scoring.simulate import draw_scores, draw_theta, make_form

T = TypeVar("T")
REGION_MEANS = (-0.4, -0.2, 0.0, 0.2, 0.5)


def timed(label: str, fn: Callable[[], T]) -> tuple[float, T]:
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    print(f"{label:<48} wall {wall:7.2f} s   cpu {cpu:7.2f} s")
    return wall, out


def recovery(result: CalibrationResult, form: tuple[ItemSpec, ...], label: str) -> None:
    true = {it.id: it for it in form}
    a_t = np.array([true[c.id].a for c in result.items])
    # The scale is set by region 0 (true N(REGION_MEANS[0], 1)) with groups; the single-group baseline
    # uses region 2 alone (true N(0, 1)).
    shift = REGION_MEANS[0] if len(result.areas[0].groups) > 1 else REGION_MEANS[2]
    b_t = np.array([true[c.id].b for c in result.items]) - shift
    a_e = np.array([c.a for c in result.items])
    b_e = np.array([c.b for c in result.items])
    one = np.array([c.max_score == 1 for c in result.items])
    c_t = np.array([true[c.id].c for c in result.items])[one]
    c_e = np.array([c.c for c in result.items])[one]
    models = ", ".join(f"{a.area}:{a.model}({a.iterations} it)" for a in result.areas)
    print(
        f"  {label}: r(a) {np.corrcoef(a_t, a_e)[0, 1]:.3f}  r(b) {np.corrcoef(b_t, b_e)[0, 1]:.3f}  "
        f"RMSE b (true b on the run's scale) {np.sqrt(np.mean((b_t - b_e) ** 2)):.3f}  "
        f"mean c {c_e.mean():.3f} (true {c_t.mean():.3f})"
    )
    print(f"  models: {models}")
    groups = result.areas[0].groups
    if len(groups) > 1:
        means = np.array([[g.mean for g in a.groups] for a in result.areas]).mean(axis=0)
        true_means = np.array(REGION_MEANS) - REGION_MEANS[0]
        print("  group means (area average, reference region 0):", np.round(means, 3), "true", true_means)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--per-region", type=int, default=10_000)
    parser.add_argument("--n-quad", type=int, default=41)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"cores available: {os.cpu_count()}, numpy {np.__version__}")
    form = make_form(rng, anchors_per_area=6, guessing=(0.15, 0.30))  # 6 anchors per area, as on a form
    theta = np.concatenate([draw_theta(rng, args.per_region, mean=mu) for mu in REGION_MEANS])
    groups = np.repeat(np.arange(len(REGION_MEANS)), args.per_region)
    scores = draw_scores(rng, form, theta)
    n, j = scores.shape
    print(f"\n== {n} persons x {j} items, {len(REGION_MEANS)} regions, n_quad {args.n_quad}")
    t_unique, _ = timed("baseline np.unique(scores, axis=0)", lambda: np.unique(scores, axis=0))
    small = scores[groups == 2]
    t_single, single = timed(
        "baseline 10,000 x 60, one group, guessing=none",
        lambda: calibrate(form, small, n_quad=args.n_quad),
    )
    t_none, none = timed(
        "5 groups, guessing=none",
        lambda: calibrate(form, scores, groups=groups, guessing="none", n_quad=args.n_quad),
    )
    t_auto, auto = timed(
        "5 groups, guessing=auto (2PL, 2PL+c, 3PL)",
        lambda: calibrate(form, scores, groups=groups, guessing="auto", n_quad=args.n_quad),
    )
    # The rest of the operator's proposal (assessment/instrument/calibration/national.py): the free
    # calibration its drift screen needs, the drift screen, and DIF by four grouping variables.
    t_free, free = timed(
        "5 groups, free calibration for the drift screen",
        lambda: calibrate(form, scores, fixed=(), groups=groups, guessing="auto", n_quad=args.n_quad),
    )
    free_specs = free.item_specs(form)
    anchors = [it for it in form if it.anchor]
    t_drift, _ = timed(
        "drift screen of the anchors (Stocking-Lord, purified)",
        lambda: screen_drift(anchors, [s for s in free_specs if s.id in {a.id for a in anchors}]),
    )
    labels = {
        "sex": list(np.array(["L", "P"])[rng.integers(0, 2, n)]),
        "age_band": list(np.array(["<30", "30-39", "40-49", "50+"])[rng.integers(0, 4, n)]),
        "education": list(np.array(["SMA-", "D1-D3", "S1/D4", "S2", "S3"])[rng.integers(0, 5, n)]),
        "region_kind": list(np.array(["kabupaten", "kota"])[groups % 2]),
    }
    reference = {"sex": "L", "age_band": "40-49", "education": "S1/D4", "region_kind": "kabupaten"}
    t_dif, _ = timed(
        "DIF, 4 variables (MH, purified)", lambda: dif_report(form, scores, None, labels, reference)
    )
    total = t_auto + t_free + t_drift + t_dif
    print(f"{'whole proposal (auto + free + drift + DIF)':<48} wall {total:7.2f} s")
    recovery(single, form, "single 2PL")
    recovery(none, form, "groups none")
    recovery(auto, form, "groups auto")
    print(
        f"\nratios: auto/unique {t_auto / t_unique:.0f}x, auto/single {t_auto / t_single:.1f}x, "
        f"none/single {t_none / t_single:.1f}x; target auto <= 60 s: {'met' if t_auto <= 60 else 'NOT met'}; "
        f"whole proposal {total:.1f} s"
    )


if __name__ == "__main__":
    main()
