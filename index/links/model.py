"""The :class:`Link` — a typed, scored, explained relation between two provisions.

Link types (*loại liên kết*):

* ``implements`` (*triển khai*) — a programme/plan task → the resolution provision it carries out;
* ``cites`` (*căn cứ, trích dẫn*) — an explicit reference in the text, resolved to an ingested
  document/provision, or kept as an external reference (target ``ext:<số hiệu>``);
* ``continues`` / ``supersedes`` (*tiếp nối / thay thế*) — a later resolution or conclusion
  building on (replacing) an earlier one; document level;
* ``related`` (*cùng chủ đề*) — the same theme in two different resolutions; undirected,
  stored once (source < target) and returned from both ends;
* ``reports_on`` (*báo cáo về*) — a report's statement → the task it reports on.

Every link carries a ``score`` in [0, 1] and a ``reason`` a person can check against the two
texts: the shared key terms, the number referred to, the target figures compared.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

LinkType = Literal["implements", "cites", "continues", "supersedes", "related", "reports_on"]
LINK_TYPES: tuple[LinkType, ...] = ("implements", "cites", "continues", "supersedes", "related", "reports_on")
LINK_LABELS_VI: dict[str, str] = {
    "implements": "triển khai",
    "cites": "trích dẫn / căn cứ",
    "continues": "tiếp nối",
    "supersedes": "thay thế",
    # 0.62 of every emitted link right, judged blind (eval/gold/related_samples.md): suggestions.
    "related": "cùng chủ đề (gợi ý tự động)",
    "reports_on": "báo cáo về",
}
EXTERNAL_PREFIX = "ext:"  # target of a reference to a document that is not ingested
TRACKING_PREFIX = "tracking:"  # rows of a tracker file (not a document), e.g. tracking:038_NQ70


@dataclass(slots=True)
class Link:
    """One directed link ``source → target`` (ids of provisions, documents or external refs)."""

    type: LinkType
    source: str
    target: str
    source_doc: str
    target_doc: str
    score: float
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)  # machine-readable parts of the reason

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["score"] = round(self.score, 4)
        d["label_vi"] = LINK_LABELS_VI[self.type]
        return d


def is_external(target: str) -> bool:
    return target.startswith(EXTERNAL_PREFIX)
