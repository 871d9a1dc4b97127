"""The learned decision of ``related`` links: a small logistic regression over readable features.

:func:`index.links.linker.related_candidates` proposes pairs of provisions whose clauses name the
same concrete theme (the rules of :mod:`index.links.themes` and the mutual top-k); this module turns
each candidate's evidence into a probability that a reader would call the two provisions the same
theme. The weights are plain numbers in :data:`WEIGHTS` (no pickled model): fitted with
scikit-learn's ``LogisticRegression`` (L2) on the *tune* half of ``eval/gold/links.jsonl`` by
``eval/links_eval.py fit_related`` and pasted here with the date and the data they came from.

Features (one row per candidate; :data:`FEATURES` fixes their order):

* ``hub`` — hub-corrected cosine of the best clause pair naming a common theme; ``cos`` its plain
  cosine; ``pcos`` the cosine of the two whole provisions; ``lex`` the key-term overlap;
* ``n_themes`` — themes the clause pair shares; ``theme:<name>`` — one-hot of those themes;
* ``lead`` — both clauses are their provision's first clause; ``pos`` — the later clause's
  relative position; ``share`` — the smaller share of a provision's clauses naming the theme;
* ``viewpoint`` / ``goal`` — one side is a guiding viewpoint (quan điểm) / a goal (mục tiêu);
  ``both_task`` — both are tasks and solutions; ``broad`` — one side is a whole item (has children);
* ``len_min`` / ``len_max`` — log word counts; ``degree`` — log(1 + the larger number of partners
  either provision has in the other document at rule score ≥ 0.5); ``rank`` — log of the pair's
  worse rank (1 = best) on either side;
* ``core`` — both documents are among the 2024–2025 sector resolutions (59, 70, 71, 72-NQ/TW).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from index.links.themes import THEMES

CORE_DOCS = frozenset({"59-NQ/TW", "70-NQ/TW", "71-NQ/TW", "72-NQ/TW"})

BASE_FEATURES: tuple[str, ...] = (
    "hub",
    "cos",
    "pcos",
    "lex",
    "n_themes",
    "lead",
    "pos",
    "share",
    "viewpoint",
    "goal",
    "both_task",
    "broad",
    "len_min",
    "len_max",
    "degree",
    "rank",
    "core",
)
FEATURES: tuple[str, ...] = BASE_FEATURES + tuple(f"theme:{t}" for t in THEMES)


@dataclass(frozen=True)
class RelatedWeights:
    """A fitted logistic regression: standardisation, coefficients, intercept, and their provenance."""

    mean: Mapping[str, float]
    scale: Mapping[str, float]
    coef: Mapping[str, float]
    intercept: float
    fitted: str  # date of the fit
    data: str  # which labelled pairs, how many, which options

    def logit(self, x: Mapping[str, float]) -> float:
        """The log-odds of ``x`` (features missing from ``x`` count as 0 before standardising)."""
        z = self.intercept
        for name, w in self.coef.items():
            z += w * (float(x.get(name, 0.0)) - self.mean.get(name, 0.0)) / (self.scale.get(name, 1.0) or 1.0)
        return z

    def probability(self, x: Mapping[str, float]) -> float:
        z = self.logit(x)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def contributions(self, x: Mapping[str, float], top: int = 3) -> list[tuple[str, float]]:
        """The ``top`` features pushing this candidate most (name, signed log-odds contribution)."""
        parts = [
            (n, w * (float(x.get(n, 0.0)) - self.mean.get(n, 0.0)) / (self.scale.get(n, 1.0) or 1.0))
            for n, w in self.coef.items()
        ]
        return sorted(parts, key=lambda p: -abs(p[1]))[:top]


# Filled in by the fit (see the module docstring); until then the rule score decides.
WEIGHTS: RelatedWeights | None = None
