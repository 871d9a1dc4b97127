import math

from eval.metrics import aggregate, hit_at, mrr_at, ndcg_at, query_metrics, recall_at


def test_metrics_on_hand_computed_rankings() -> None:
    ranked = ["a", "b", "c", "d"]
    assert recall_at(ranked, {"b", "z"}, 1) == 0.0
    assert recall_at(ranked, {"b", "z"}, 5) == 0.5
    assert hit_at(ranked, {"c"}, 2) == 0.0 and hit_at(ranked, {"c"}, 3) == 1.0
    assert mrr_at(ranked, {"c"}) == 1 / 3
    assert mrr_at(ranked, {"q"}) == 0.0
    assert math.isclose(ndcg_at(ranked, {"a"}), 1.0)
    assert math.isclose(ndcg_at(ranked, {"b"}), 1 / math.log2(3))
    m = aggregate([query_metrics(ranked, {"a"}), query_metrics(ranked, {"d"})])
    assert m["R@1"] == 0.5 and m["MRR@10"] == round((1 + 0.25) / 2, 4)
