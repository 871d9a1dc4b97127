"""Coverage of a resolution by a programme/plan (*mức độ cụ thể hóa*).

For a resolution and a document implementing it: which task items (*nhiệm vụ, giải pháp*) of
the resolution have implementing tasks and which have none (gaps), which tasks of the
programme have no source provision in the resolution, and where a programme's target figure
is weaker than the resolution's. Read from the ``implements`` links (:mod:`index.links`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from index.links.db import LinkStore
from index.links.linker import linkable
from index.links.model import Link
from index.links.text import short, task_text
from ingest.errors import NotFound
from ingest.models import Document, Provision
from ingest.normalize import index_form
from ingest.store import Store

_TASK_PART = ("nhiệm vụ",)  # the part of a resolution that holds its tasks (III. NHIỆM VỤ, GIẢI PHÁP)


@dataclass
class TaskRef:
    id: str
    text: str
    score: float
    reason: str
    fields: dict[str, str] | None = None


@dataclass
class CoverageRow:
    """One provision of the resolution with the tasks implementing it."""

    item_id: str
    level: str  # "item" (a numbered task item) or "provision" (a paragraph/dash inside it)
    heading: str
    text: str
    tasks: list[TaskRef] = field(default_factory=list)


@dataclass
class Coverage:
    of: str
    by: str
    rows: list[CoverageRow]
    orphans: list[TaskRef]  # programme tasks with no source provision in the resolution
    weaker: list[dict[str, Any]]  # programme targets below the resolution's figure
    # tasks that carry out only provisions outside the listed items (goals, viewpoints,
    # organisation of implementation): {task, text, fields, provisions: [{id, heading}]}
    elsewhere: list[dict[str, Any]] = field(default_factory=list)
    # False when the ingested text lacks the tasks part (a partial text: "[Không có trong nguồn:
    # toàn bộ phần III]"); the rows are then the resolution's other numbered items.
    task_part_in_text: bool = True

    def summary(self) -> dict[str, Any]:
        items = [r for r in self.rows if r.level == "item"]
        return {
            "of": self.of,
            "by": self.by,
            "items": len(items),
            "items_covered": sum(1 for r in items if r.tasks),
            "items_without_tasks": [r.item_id for r in items if not r.tasks],
            "provisions": sum(1 for r in self.rows if r.level == "provision"),
            "provisions_without_tasks": [
                r.item_id for r in self.rows if r.level == "provision" and not r.tasks
            ],
            "task_part_in_text": self.task_part_in_text,
            "tasks_without_source": len(self.orphans),
            "tasks_linked_outside_items": len(self.elsewhere),
            "weaker_targets": len(self.weaker),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "rows": [
                {
                    "id": r.item_id,
                    "level": r.level,
                    "heading": r.heading,
                    "text": r.text,
                    "tasks": [t.__dict__ for t in r.tasks],
                }
                for r in self.rows
            ],
            "tasks_without_source": [t.__dict__ for t in self.orphans],
            "tasks_linked_outside_items": self.elsewhere,
            "weaker_targets": self.weaker,
        }


def _task_items(doc: Document) -> tuple[list[Provision], bool]:
    """The numbered items of the resolution's tasks part (III. NHIỆM VỤ, GIẢI PHÁP), and whether
    that part is in the text; without it, every numbered item stands in (viewpoints, goals…)."""
    parts = [
        p
        for p in doc.provisions
        if p.kind in ("part", "heading") and any(w in index_form(p.heading) for w in _TASK_PART)
    ]
    ids = {p.id for p in parts}
    items = [p for p in doc.provisions if p.parent_id in ids and not p.gap and p.kind not in ("gap",)]
    if items:
        return items, True
    return [p for p in doc.provisions if p.kind == "item" and not p.gap], False


def _tracker_plan(links: LinkStore, by: str, res: Document) -> Document | None:
    """The rows of tracker ``by`` that name resolution ``res``, as the linker sees them: ``by`` is
    the tracker (``tracking:provincial-tasks``) or its part for ``res``
    (``tracking:provincial-tasks/70-NQ/TW``), never its rows for another or no resolution."""
    from index.links.tracking import tracker_documents

    names = {res.id, res.meta.number or res.id}
    wanted = {by if by.endswith(f"/{n}") else f"{by}/{n}" for n in names}
    return next((d for d in tracker_documents(links) if d.id in wanted), None)


def compute_coverage(store: Store, links: LinkStore, of: str, by: str) -> Coverage:
    """Coverage of resolution ``of`` by programme/plan ``by`` (ids or số hiệu).

    ``by`` may also be an imported tracker (``tracking:provincial-tasks``): its rows that name
    ``of`` are the plan's tasks.
    """
    res = store.find_document(of)
    prog = store.find_document(by) or (_tracker_plan(links, by, res) if res is not None else None)
    if res is None or prog is None:
        missing = of if res is None else by
        raise NotFound(f"document not found: {missing}", message_vi=f"không tìm thấy văn bản: {missing}")
    # A link a person marked wrong (``nqdoc link-review``, the web page) covers nothing.
    impl = links.without_rejected(
        links.links_between_docs(source_doc=prog.id, target_doc=res.id, types=["implements"])
    )
    by_target: dict[str, list[Link]] = {}
    for lk in impl:
        by_target.setdefault(lk.target, []).append(lk)
    src = {p.id: p for p in prog.provisions}
    idx = {p.id: p for p in res.provisions}

    def refs(lks: list[Link]) -> list[TaskRef]:
        out = {}
        for lk in sorted(lks, key=lambda x: -x.score):
            p = src.get(lk.source)
            if p is not None and lk.source not in out:
                out[lk.source] = TaskRef(
                    lk.source, short(task_text(p), 200), round(lk.score, 4), lk.reason, p.fields
                )
        return list(out.values())

    rows: list[CoverageRow] = []
    items, task_part_in_text = _task_items(res)
    for item in items:
        desc = _descendants(item, idx)
        all_links = [lk for pid in [item.id, *[d.id for d in desc]] for lk in by_target.get(pid, [])]
        rows.append(CoverageRow(item.id, "item", item.heading, item.text, refs(all_links)))
        for d in desc:
            if d.gap:
                continue
            rows.append(CoverageRow(d.id, "provision", d.heading, d.text, refs(by_target.get(d.id, []))))
    targets_of: dict[str, set[str]] = {}
    for lk in impl:
        targets_of.setdefault(lk.source, set()).add(lk.target)
    linked = set(targets_of)
    listed = {r.item_id for r in rows}
    covered = {t.id for r in rows for t in r.tasks}
    elsewhere = []
    for sid in sorted(linked - covered, key=lambda x: src[x].ordinal if x in src else 0):
        p = src.get(sid)
        targets = sorted(targets_of[sid] - listed)
        if p is None or not targets:
            continue
        elsewhere.append(
            {
                "task": sid,
                "text": short(task_text(p), 200),
                "fields": p.fields,
                "provisions": [
                    {"id": t, "heading": short(idx[t].heading or idx[t].text, 90) if t in idx else t}
                    for t in targets
                ],
            }
        )
    orphans = [
        TaskRef(p.id, short(task_text(p), 200), 0.0, "", p.fields)
        for p in linkable(prog)
        if p.id not in linked and not p.children
    ]
    weaker = [
        {
            "task": lk.source,
            "provision": lk.target,
            "reason": lk.reason,
            "task_figures": lk.evidence.get("source_figures"),
            "resolution_figures": lk.evidence.get("target_figures"),
        }
        for lk in impl
        if lk.evidence.get("weaker")
    ]
    return Coverage(res.id, prog.id, rows, orphans, weaker, elsewhere, task_part_in_text)


def _descendants(p: Provision, idx: dict[str, Provision]) -> list[Provision]:
    out: list[Provision] = []
    for cid in p.children:
        c = idx.get(cid)
        if c is not None:
            out.append(c)
            out.extend(_descendants(c, idx))
    return out
