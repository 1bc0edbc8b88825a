"""Scoring-engine benchmark, run by hand: ``python tests/perf/bench_scoring.py [--seed N]``.

Prints figures, asserts nothing.  Every time is also given as a ratio to baselines measured in the
same run on the same data, so figures from different machines can be compared:
* ``sum``: raw sum scores of the persons x items matrix (the cheapest possible "scoring");
* ``matmul``: one float64 matrix product (persons x items) @ (items x 61 nodes), the size of the
  likelihood step of EAP scoring.
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

from assessment.scoring import calibrate, score_answers, score_matrix, theta_to_score
from assessment.scoring.quality import marginal_reliability
from assessment.scoring.simulate import draw_answers, draw_scores, draw_theta, make_form

T = TypeVar("T")


def best_of(repeats: int, fn: Callable[[], T]) -> tuple[float, float, T]:
    """Best wall time and its CPU time over ``repeats`` runs, and the last result."""
    best_wall, best_cpu = float("inf"), float("inf")
    result: T
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        if wall < best_wall:
            best_wall, best_cpu = wall, cpu
    return best_wall, best_cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=20230804)
    parser.add_argument("--persons", type=int, default=10_303)
    parser.add_argument("--calibration-persons", type=int, default=10_000)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"cores available: {os.cpu_count()}, numpy {np.__version__}")

    form = make_form(rng, anchors_per_area=2)
    theta = draw_theta(rng, args.persons, corr=0.7)
    scores = draw_scores(rng, form, theta)
    answers = draw_answers(rng, form, scores, blank_rate=0.2)
    n, j = scores.shape
    print(f"\n== scoring {n} persons x {j} items (5 x 12: 40 choice, 10 multiple-response, 10 ordering)")

    t_sum, _, _ = best_of(5, lambda: scores.sum(axis=1, dtype=np.int32))
    xf = scores.astype(np.float64)
    table = rng.normal(size=(j, 61))
    t_mm, _, _ = best_of(5, lambda: xf @ table)
    print(f"baseline sum scores      {t_sum * 1e3:8.2f} ms")
    print(f"baseline matmul n x J x 61 {t_mm * 1e3:6.2f} ms")

    t_items, c_items, (scored, mask) = best_of(3, lambda: score_answers(form, answers))
    t_eap, c_eap, result = best_of(3, lambda: score_matrix(form, scored, mask))
    total = t_items + t_eap
    print(f"answers -> item scores   {t_items * 1e3:8.1f} ms wall, {c_items * 1e3:7.1f} ms CPU")
    print(f"item scores -> EAP/index {t_eap * 1e3:8.1f} ms wall, {c_eap * 1e3:7.1f} ms CPU")
    print(f"answers -> index, total  {total * 1e3:8.1f} ms")
    print(f"  EAP/index / sum scores = {t_eap / t_sum:8.0f}x   EAP/index / matmul = {t_eap / t_mm:6.1f}x")
    print(f"  per person: {total / n * 1e6:.1f} us")

    true_index = theta_to_score(theta).mean(axis=1)
    r_index = float(np.corrcoef(true_index, result.index)[0, 1])
    r_raw = float(np.corrcoef(true_index, scores.sum(axis=1))[0, 1])
    rel = [marginal_reliability(result.theta[:, k], result.se[:, k]) for k in range(5)]
    print(f"recovery: r(index from EAP, index from true theta) = {r_index:.3f} (raw sum score: {r_raw:.3f})")
    print("marginal reliability per area: " + ", ".join(f"{r:.2f}" for r in rel))
    print(f"index reliability: {marginal_reliability(result.index, result.index_se):.2f}")
    print(f"level shares (index): {np.bincount(result.index_level, minlength=5)[1:] / n}")

    m = args.calibration_persons
    theta_c = draw_theta(rng, m, mean=0.3, sd=1.1, corr=0.7)
    scores_c = draw_scores(rng, form, theta_c)
    print(f"\n== calibration {m} persons x {j} items, 10 anchors fixed, population N(0.3, 1.1^2)")
    t_mm_c, _, _ = best_of(5, lambda: scores_c.astype(np.float64) @ table)
    t_cal, c_cal, cal = best_of(1, lambda: calibrate(form, scores_c))
    iters = [a.iterations for a in cal.areas]
    print(f"calibrate: {t_cal:.2f} s wall, {c_cal:.2f} s CPU; EM cycles per area {iters}")
    print(f"  converged {cal.converged}; log-likelihood {cal.log_likelihood:,.1f}")
    print(
        f"  calibration / matmul = {t_cal / t_mm_c:,.0f}x   calibration / EAP scoring = {t_cal / t_eap:.0f}x"
    )
    free = [not c.fixed for c in cal.items]
    ta = np.array([it.a for it, f in zip(form, free, strict=True) if f])
    tb = np.array([it.b for it, f in zip(form, free, strict=True) if f])
    ea = np.array([c.a for c in cal.items if not c.fixed])
    eb = np.array([c.b for c in cal.items if not c.fixed])
    print(f"recovery: r(a) = {np.corrcoef(ta, ea)[0, 1]:.3f}, r(b) = {np.corrcoef(tb, eb)[0, 1]:.4f}")
    print(f"  bias a {float((ea - ta).mean()):+.3f}, bias b {float((eb - tb).mean()):+.3f}")
    rmse_a, rmse_b = np.sqrt(((ea - ta) ** 2).mean()), np.sqrt(((eb - tb) ** 2).mean())
    print(f"  RMSE a {rmse_a:.3f}, RMSE b {rmse_b:.3f}")
    pops = ", ".join(f"{a.pop_mean:.2f}/{a.pop_sd:.2f}" for a in cal.areas)
    print(f"  population mean/SD per area: {pops}")
    print(f"  max |anchor displacement| {max(abs(c.displacement) for c in cal.items if c.fixed):.3f}")
    print(f"  max S-X2 RMSEA {max(c.rmsea for c in cal.items):.3f}; warnings: {len(cal.warnings)}")
    for w in cal.warnings:
        print(f"    {w}")


if __name__ == "__main__":
    main()
