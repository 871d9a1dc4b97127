"""Retrieval metrics as pure functions over ranked ids and a set of relevant ids."""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import mean


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of the relevant ids found in the top ``k`` (1.0 when all are there)."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / len(relevant)


def hit_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """1.0 when at least one relevant id is in the top ``k``."""
    return 1.0 if set(ranked[:k]) & relevant else 0.0


def mrr_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    for i, rid in enumerate(ranked[:k], start=1):
        if rid in relevant:
            return 1.0 / i
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Binary-gain nDCG@k."""
    dcg = sum(1.0 / math.log2(i + 1) for i, rid in enumerate(ranked[:k], start=1) if rid in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0


METRIC_KEYS = ("R@1", "R@5", "R@10", "MRR@10", "nDCG@10")


def query_metrics(ranked: Sequence[str], relevant: set[str]) -> dict[str, float]:
    return {
        "R@1": recall_at(ranked, relevant, 1),
        "R@5": recall_at(ranked, relevant, 5),
        "R@10": recall_at(ranked, relevant, 10),
        "MRR@10": mrr_at(ranked, relevant, 10),
        "nDCG@10": ndcg_at(ranked, relevant, 10),
    }


def aggregate(per_query: Sequence[dict[str, float]]) -> dict[str, float]:
    if not per_query:
        return {}
    keys = per_query[0].keys()
    return {k: round(mean(q[k] for q in per_query), 4) for k in keys}


def precision_recall_f1(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    """Precision, recall and F1 (rounded to 4 places); 0.0 where a denominator is 0."""
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}
