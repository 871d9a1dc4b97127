"""The paired comparison behind `nqdoc eval query-backends` (per-query MRR values are SYNTHETIC)."""

from __future__ import annotations

from eval.query_backends import paired_difference


def test_identical_runs_differ_by_nothing() -> None:
    a = [1.0, 0.5, 0.0, 0.25] * 10
    r = paired_difference(a, list(a))
    assert r["delta"] == 0.0 and r["ci95"] == [0.0, 0.0] and r["changed"] == 0 and r["n"] == 40


def test_the_interval_is_around_the_paired_mean_and_counts_changed_queries() -> None:
    a = [1.0] * 90 + [0.5] * 10
    b = [1.0] * 90 + [1.0] * 5 + [0.5] * 5  # 5 questions moved from rank 2 to rank 1
    r = paired_difference(a, b)
    assert r["delta"] == 0.025 and r["changed"] == 5
    assert r["mrr_a"] == 0.95 and r["mrr_b"] == 0.975
    lo, hi = r["ci95"]
    assert 0.0 <= lo < 0.025 < hi  # every resample gains or stays equal; the mean is inside


def test_a_loss_is_negative() -> None:
    a = [1.0] * 50
    b = [1.0] * 45 + [0.5] * 5
    r = paired_difference(a, b)
    assert r["delta"] == -0.05 and r["ci95"][1] <= 0.0
