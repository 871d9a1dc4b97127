"""Targets and indicators (chỉ tiêu): value, unit, year and the agency that monitors them.

Two sources: indicator tables (a *Chỉ tiêu* column, e.g. appendix I of ``03/NQ-CP`` with
*Đơn vị*, *Kết quả*, *Cơ quan chủ trì theo dõi, đánh giá*; the group row gives the year,
``Đến năm 2030``) and the sentences of *mục tiêu* parts that carry a figure
(``tuổi thọ trung bình đạt 75,5 tuổi``). A target with no figure (``Đạt mức tiên tiến …``) is
kept with flag ``no_figure``: a planner cannot measure it.
"""

from __future__ import annotations

import re

from ingest.models import Document, Provision
from ingest.normalize import fold
from ingest.tasks.agencies import agencies_in
from ingest.tasks.models import Target, TargetValue
from ingest.tasks.outputs import _CMP_MAP, find_figure, find_figures

_YEAR_RX = re.compile(r"(?:[Đđ]ến|[Tt]ừ|[Tt]rong|[Vv]ào|[Đđ]ến hết)\s+năm\s+((?:19|20)\d{2})")
_BARE = re.compile(r"(?P<cmp>≤|≥|<|>|tối thiểu|ít nhất|trên|dưới)?\s*(?P<num>\d+(?:[.,]\d+)?)", re.IGNORECASE)


def column(fields: dict[str, str], *names: str, skip: tuple[str, ...] = ()) -> str | None:
    """The first header of ``fields`` whose folded form contains one of ``names`` and none of ``skip``."""
    for k in fields:
        f = fold(k)
        if any(n in f for n in names) and not any(n in f for n in skip):
            return k
    return None


def _year_of(texts: list[str]) -> int | None:
    for t in texts:
        m = _YEAR_RX.search(t or "")
        if m:
            return int(m.group(1))
    return None


def indicator_columns(fields: dict[str, str]) -> dict[str, str | None]:
    """Headers of an indicator table's row by role: indicator, unit, value, monitoring agency.

    The unit column is "Đơn vị" / "Đơn vị tính" / "ĐVT", not an agency's "Đơn vị chủ trì"; the
    value is "Kết quả" / "Giá trị" / "Mục tiêu", not a "Mục tiêu, chỉ tiêu" header naming the
    indicator.
    """
    return {
        "indicator": column(fields, "chi tieu"),
        "unit": column(fields, "don vi", "dvt", skip=("chu tri", "phoi hop", "thuc hien", "theo doi")),
        "value": column(fields, "ket qua", "gia tri", "muc tieu", skip=("chi tieu",)),
        "monitor": column(fields, "theo doi", "chu tri"),
    }


def _table_targets(doc: Document, by_id: dict[str, Provision]) -> list[Target]:
    out: list[Target] = []
    for p in doc.provisions:
        f = p.fields or {}
        if p.kind != "row" or not f:
            continue
        cols = indicator_columns(f)
        ind_col, unit_col, res_col, mon_col = cols["indicator"], cols["unit"], cols["value"], cols["monitor"]
        if ind_col is None:
            continue
        indicator = f.get(ind_col, "").strip()
        result = (f.get(res_col) or "").strip() if res_col else ""
        unit = (f.get(unit_col) or "").strip() if unit_col else ""
        parent = by_id.get(p.parent_id or "")
        group = None
        if parent is not None and parent.kind == "group":
            group = next((v for v in (parent.fields or {}).values() if v), parent.heading)
        year = _year_of([group or "", indicator, result])
        value = find_figure(result, year)
        if value is None:
            m = _BARE.search(result)
            if m and unit:
                cmp_word = (m["cmp"] or "").lower()
                value = TargetValue(
                    result,
                    float(m["num"].replace(",", ".")),
                    unit,
                    _CMP_MAP.get(cmp_word) if cmp_word else None,
                    year,
                )
        elif unit and value.unit is None:
            value.unit = unit
        flags: list[str] = []
        if value is None:
            value = TargetValue(result, None, unit or None, None, year)
            flags.append("no_figure")
        monitor_raw = (f.get(mon_col) or "").strip() if mon_col else ""
        monitor = agencies_in(monitor_raw)
        if not monitor:
            flags.append("no_monitor")
        out.append(
            Target(
                f"{p.id}#t1",
                doc.id,
                doc.meta.number,
                p.id,
                p.page_start,
                "table",
                group,
                indicator,
                value,
                monitor,
                monitor_raw or None,
                flags,
            )
        )
    return out


def _clauses(sent: str, figs: list[TargetValue]) -> list[str]:
    """For each figure of ``sent``, the clause that states it, verbatim: from the previous
    ``;`` / ``:`` / ``, trong đó`` / end of the previous figure up to the next ``,`` or ``;`` after
    the figure (``tuổi thọ trung bình đạt 75,5 tuổi``)."""
    out: list[str] = []
    pos = 0
    for fig in figs:
        at = sent.find(fig.as_written, pos)
        if at < 0:
            out.append(sent.strip())
            continue
        cut = max(
            (m.end() for m in re.finditer(r"[;:]\s*|,\s*(?=trong đó\b)", sent[:at])),
            default=0,
        )
        start = max(cut, pos)
        after = at + len(fig.as_written)
        end_m = re.search(r"[,;]|\.\s*$", sent[after:])
        end = after + end_m.start() if end_m else len(sent)
        out.append(sent[start:end].strip(" ,;"))
        pos = at + len(fig.as_written)
    return out


def _sentences(text: str) -> list[str]:
    from ingest.segment import sentence_spans

    return [text[a:b] for a, b in sentence_spans(text)]


def _prose_targets(doc: Document, by_id: dict[str, Provision]) -> list[Target]:
    out: list[Target] = []
    for p in doc.provisions:
        if p.gap or p.kind in ("row", "group", "table", "preamble", "closing") or not p.text:
            continue
        chain: list[Provision] = []
        q = by_id.get(p.parent_id or "")
        while q is not None:
            chain.append(q)
            q = by_id.get(q.parent_id or "")
        heads = [fold(c.heading) for c in chain if c.kind in ("part", "section", "heading", "item")]
        if not any("muc tieu" in h or "tam nhin" in h for h in heads) or any("quan diem" in h for h in heads):
            continue
        context_year = _year_of([c.heading for c in chain])
        n = 0
        for sent in _sentences(p.text):
            figs = find_figures(sent, _year_of([sent]) or context_year)
            clauses = _clauses(sent, figs)
            for fig, clause in zip(figs, clauses, strict=True):
                n += 1
                out.append(
                    Target(
                        f"{p.id}#t{n}",
                        doc.id,
                        doc.meta.number,
                        p.id,
                        p.page_start,
                        "prose",
                        chain[0].heading if chain else None,
                        clause,
                        fig,
                        [],
                        None,
                        ["no_monitor"],
                    )
                )
    return out


def extract_targets(doc: Document) -> list[Target]:
    """All targets of ``doc``: indicator-table rows, then figures in objective parts."""
    by_id = {p.id: p for p in doc.provisions}
    return _table_targets(doc, by_id) + _prose_targets(doc, by_id)
