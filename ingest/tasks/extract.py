"""Extract "5 rõ" commitments from a Document — a pure function of the provision tree.

Two sources:

* **Task tables** — appendix rows whose header has a task column (*Nhiệm vụ*, *Tên nhiệm
  vụ*, *Nội dung*) and a lead column (*Cơ quan chủ trì*), whatever the exact wording; the
  row's group row (``I``, ``II`` …) is its task group. Ingest already joined rows cut by page
  breaks and keeps the cells by header (:mod:`ingest.structure`).
* **Prose** — items, points, dashes and paragraphs under the parts of a resolution, plan or
  programme that assign work (*NHIỆM VỤ*, *GIẢI PHÁP*, *PHÂN CÔNG*, *TỔ CHỨC THỰC HIỆN*).
  Who does it (*rõ người*) is read, in this order, from

  1. the provision's own subject clause: ``Bộ X chủ trì, phối hợp với Y …``, ``Giao X …``,
     ``X phối hợp với Y …``, ``X có trách nhiệm …``;
  2. an enclosing or preceding context line: a point that only names an agency
     (``a) Tổ đảng ở Thường trực Ủy ban …``) or a lead-in ending in a colon
     (``Bộ GD&ĐT chủ trì, phối hợp với …:``, ``… các bộ, ngành … cần … các nhiệm vụ sau đây:``);
  3. for a Party resolution, the body its *Tổ chức thực hiện* part charges with the action
     programme (``Ban cán sự đảng Chính phủ lãnh đạo, chỉ đạo xây dựng chương trình hành động
     …``) — such records carry the flag ``lead_from_implementation_part``.

Headings of task groups, descriptive parts (*quan điểm*, *mục tiêu*, *tình hình*), reports,
news articles and laws give no commitments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.models import DocKind, Document, Provision
from ingest.normalize import fold
from ingest.tasks.agencies import Mention, agencies_in, find_agencies
from ingest.tasks.deadlines import find_deadline, normalize_deadline
from ingest.tasks.models import Commitment, Deadline, Output, Reporting
from ingest.tasks.outputs import output_of_cell, output_of_prose
from ingest.tasks.successors import SuccessorMap, configured_successions, successions_of

# --- table columns -----------------------------------------------------------------------

_ROLE_KEYS: dict[str, tuple[str, ...]] = {
    "task": ("ten nhiem vu", "nhiem vu", "noi dung cong viec", "noi dung", "cong viec"),
    "lead": ("co quan chu tri", "don vi chu tri", "chu tri"),
    "partners": ("co quan phoi hop", "don vi phoi hop", "phoi hop"),
    "output": ("san pham", "ket qua", "hinh thuc van ban"),
    "deadline": ("thoi gian hoan thanh", "thoi han hoan thanh", "thoi han", "thoi gian", "tien do"),
}


def table_columns(fields: dict[str, str]) -> dict[str, str]:
    """Map roles (task, lead, partners, output, deadline) to this table's header names."""
    out: dict[str, str] = {}
    for key in fields:
        f = fold(key).strip(" .:")
        # "Cơ quan chủ trì theo dõi, đánh giá" heads an indicator table; "Ghi chú" is no role
        if "theo doi" in f or "ghi chu" in f:
            continue
        # A header naming an agency, a product or a time is that, even if it says "nhiệm vụ"
        # ("Cơ quan chủ trì thực hiện nhiệm vụ", "Thời hạn hoàn thành nhiệm vụ"): task comes last.
        role = next((r for r in _ROLE_ORDER if any(n in f for n in _ROLE_KEYS[r])), None)
        if role is not None and role not in out:
            out[role] = key
    return out


_ROLE_ORDER = ("lead", "partners", "output", "deadline", "task")


def is_task_row(p: Provision) -> bool:
    cols = table_columns(p.fields or {})
    return p.kind == "row" and "task" in cols and "lead" in cols


def _group_of(p: Provision, by_id: dict[str, Provision]) -> tuple[str | None, str | None]:
    q = by_id.get(p.parent_id or "")
    while q is not None:
        if q.kind == "group":
            title = next((v for v in (q.fields or {}).values() if v), q.heading)
            return q.label, f"{q.label}. {title}"
        q = by_id.get(q.parent_id or "")
    return None, None


def _shorten(text: str, limit: int = 120) -> str:
    first = re.split(r"(?<=[.;])\s", text.strip(), maxsplit=1)[0].rstrip(".;")
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def _flags(lead: list[str], deadline: Deadline, output: Output, task: str) -> list[str]:
    flags: list[str] = []
    if not task:
        flags.append("task_missing")
    if not lead:
        flags.append("no_lead")
    if deadline.kind == "none":
        flags.append("no_deadline")
    elif deadline.flag == "vague":
        flags.append("vague_deadline")
    elif deadline.flag == "unparsed":
        flags.append("unparsed_deadline")
    elif deadline.flag == "open_ended":
        flags.append("open_ended_deadline")
    if not output.types and output.target is None:
        flags.append("no_measurable_output")
    return flags


def _table_commitment(
    doc: Document, p: Provision, by_id: dict[str, Provision], succ: SuccessorMap
) -> Commitment:
    fields = p.fields or {}
    cols = table_columns(fields)
    cell = {role: (fields.get(key) or "").strip() for role, key in cols.items()}
    task = cell.get("task", "")
    if task.startswith("[Không có trong nguồn"):
        task = ""
    lead = agencies_in(cell.get("lead"))
    extra_flags: list[str] = []
    if _repeats_cell(cell.get("partners", ""), cell.get("lead", "")):
        # A page break cut the lead cell and its tail was repeated on the next page in the partner
        # column ("nghiệp và phát triển nông thôn, Bộ Khoa học …"): not a list of partners.
        cell["partners"] = ""
        extra_flags.append("partners_cell_repeats_lead")
    partners = agencies_in(cell.get("partners"))
    deadline = normalize_deadline(cell.get("deadline"), doc.meta.date)
    output = output_of_cell(cell.get("output"))
    label, group = _group_of(p, by_id)
    return Commitment(
        id=f"{p.id}#1",
        doc_id=doc.id,
        doc_number=doc.meta.number,
        provision_id=p.id,
        page=p.page_start,
        source="table",
        group=group,
        group_label=label,
        task=task,
        task_short=_shorten(task),
        lead=lead,
        lead_as_written=cell.get("lead") or None,
        partners=partners,
        partners_as_written=cell.get("partners") or None,
        reporting=[],
        deadline=deadline,
        output=output,
        flags=extra_flags + _flags(lead, deadline, output, task),
        lead_current=succ.current_names(lead),
    )


def _repeats_cell(fragment: str, cell: str) -> bool:
    """True when ``fragment`` starts mid-phrase (lower case) and is a piece of ``cell``."""
    frag = " ".join(fold(fragment).split()).strip(" ,;.")
    return len(frag) >= 10 and fragment.strip()[:1].islower() and frag in " ".join(fold(cell).split())


# --- prose ---------------------------------------------------------------------------------

_MARKER = re.compile(r"^(?:[IVXLC]+\s*[-.–—:]|\(?[\dA-Za-zđĐ]{1,4}(?:\.\d{1,3})*[.)]|[-–—+•*])\s*")
_TASK_PARTS = ("nhiem vu", "giai phap", "to chuc thuc hien", "phan cong", "trach nhiem")
_NON_TASK_PARTS = (
    "quan diem",
    "muc tieu",
    "muc dich",
    "yeu cau",
    "tam nhin",
    "tinh hinh",
    "danh gia",
    "ket qua dat duoc",
    "boi canh",
    "han che",
    "nguyen nhan",
)
_VERBS = (
    "chủ trì",
    "phối hợp",
    "lãnh đạo",
    "chỉ đạo",
    "có trách nhiệm",
    "chịu trách nhiệm",
    "tổ chức",
    "xây dựng",
    "theo dõi",
    "hướng dẫn",
    "bảo đảm",
    "tập trung",
    "chủ động",
    "cần",
    "thực hiện",
    "rà soát",
    "triển khai",
    "giúp",
    "là cơ quan",
    "hoàn thiện",
    "ban hành",
    "nghiên cứu",
    "xác định",
    "tham gia",
    "giám sát",
    "kiểm tra",
    "đôn đốc",
    "báo cáo",
    "trình",
    "sửa đổi",
    "quản lý",
    "hoàn thành",
    "tiếp tục",
    "đẩy mạnh",
)
_VERB_RX = re.compile(r"^\s*(?:" + "|".join(re.escape(v) for v in _VERBS) + r")\b", re.IGNORECASE)
# Between two agencies of one subject list: ", ", " và ", and the titles of their heads
# ("…, Chủ nhiệm Văn phòng Quốc hội, Trưởng Đoàn đại biểu Quốc hội …").
_LIST_SEP = re.compile(
    r"^(?:\s*[,;]\s*|\s+và\s+|\s*,\s*và\s+)(?:(?:Tổ trưởng|Chủ nhiệm|Lãnh đạo|Trưởng|Bộ trưởng|Thủ trưởng|Chủ tịch|"  # noqa: E501
    r"Người đứng đầu|Giám đốc|Tổ đảng ở)\s+)?$",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"^\s*,?\s*(?:theo chức năng,\s*nhiệm vụ(?:,\s*quyền hạn)?(?:\s+được giao)?|trong phạm vi nhiệm vụ và quyền hạn"  # noqa: E501
    r" của mình|c[ăầ]n cứ chức năng,\s*nhiệm vụ theo quy định của pháp luật|theo chức năng, nhiệm vụ được giao)\s*,?\s*",  # noqa: E501
    re.IGNORECASE,
)
# "ở" is locative except in the names of Party groups ("Tổ đảng ở Thường trực Hội đồng Dân tộc").
_NOT_SUBJECT_BEFORE = re.compile(
    r"(?:của|với|về|cho|đến|tới|thuộc|gửi|báo cáo|trình|giao|tại|trong|(?<!đảng )ở|theo|từ|phê duyệt|"
    r"Nghị quyết)\s*$",
    re.IGNORECASE,
)
_PARTNER_RX = re.compile(r"^\s*,?\s*(?:chủ trì,?\s*)?phối hợp\s+(?:chặt chẽ\s+)?với\s+", re.IGNORECASE)
_CLOSING_FORMULA = re.compile(r"phổ biến đến chi bộ|có hiệu lực (?:thi hành )?kể từ", re.IGNORECASE)
_REPORT_RX = re.compile(r"\bbáo cáo\b(?P<rest>[^.;]{0,200})", re.IGNORECASE)
_REC_RX = re.compile(
    r"(định kỳ\s+\d+\s+tháng|hằng năm|hằng quý|hằng tháng|định kỳ)[^.;]{0,60}$", re.IGNORECASE
)


def _strip_marker(text: str) -> str:
    return _MARKER.sub("", text, count=1).strip()


@dataclass
class Actor:
    lead: list[str] = field(default_factory=list)
    lead_as_written: str | None = None
    partners: list[str] = field(default_factory=list)
    partners_as_written: str | None = None
    end: int = 0  # where the subject clause (and partner clause) ends in the text
    source: str = "explicit"


def _contiguous(mentions: list[Mention], text: str, i: int) -> int:
    """Index of the last mention of the list that starts at mention ``i`` (", ", " và " between)."""
    j = i
    while j + 1 < len(mentions) and _LIST_SEP.match(text[mentions[j].end : mentions[j + 1].start] or ","):
        j += 1
    return j


def explicit_actor(text: str) -> Actor | None:
    """The subject clause of a task sentence: who leads, who partners (``X chủ trì, phối hợp với Y``)."""
    body = _strip_marker(text)
    first = re.split(r"(?<=[.;])\s", body, maxsplit=1)[0]
    mentions = [m for m in find_agencies(first)]
    i = 0
    while i < len(mentions):
        m = mentions[i]
        j = _contiguous(mentions, first, i)
        before = first[: m.start]
        after = first[mentions[j].end :]
        filler = _FILLER.match(after)
        after_v = after[filler.end() :] if filler else after
        partner = _PARTNER_RX.match(after_v)
        if not _NOT_SUBJECT_BEFORE.search(before) and m.start < 200 and (_VERB_RX.match(after_v) or partner):
            names = [x.name for x in mentions[i : j + 1]]
            act = Actor(lead=list(dict.fromkeys(names)), lead_as_written=first[m.start : mentions[j].end])
            end = mentions[j].end + (len(after) - len(after_v))
            if partner:
                k = next(
                    (n for n in range(j + 1, len(mentions)) if mentions[n].start >= end + partner.end()), None
                )
                if k is not None and mentions[k].start - (end + partner.end()) < 3:
                    kk = _contiguous(mentions, first, k)
                    act.partners = [x.name for x in mentions[k : kk + 1] if x.name not in act.lead]
                    act.partners_as_written = first[mentions[k].start : mentions[kk].end]
                    end = mentions[kk].end
                else:
                    end = end + partner.end()
            act.end = end
            return act
        i += 1
    if not mentions or mentions[0].start > 0:
        np_act = np_subject(first)
        if np_act is not None:
            partner = _PARTNER_RX.match(first[np_act.end :])
            if partner:
                rest = first[np_act.end + partner.end() :]
                ms = find_agencies(rest)
                if ms and ms[0].start < 3:
                    k = _contiguous(ms, rest, 0)
                    np_act.partners = [x.name for x in ms[: k + 1]]
                    np_act.partners_as_written = rest[ms[0].start : ms[k].end]
        return np_act
    return None


# Head nouns of organisations the agency table may not list (a court, an association, a company …).
_ORG_HEAD = re.compile(
    r"^(?:Các\s+)?(?:Hội|Liên hiệp|Liên đoàn|Tòa án|Viện kiểm sát|Kiểm toán|Tập đoàn|Tổng công ty|Công ty|"
    r"Trường|Đại học|Học viện|Trung tâm|Quỹ|Hội đồng|Đoàn|Mặt trận|Công đoàn|Ngân hàng|Đài|Báo|Tạp chí|"
    r"Bệnh viện|Tỉnh ủy|Thành ủy|Ủy ban|Bộ|Ban|Cục|Tổng cục|Sở|Viện|Văn phòng)\b"
)
_NOUNISH = {"N", "Np", "Nc", "Nu", "Ny", "Nb", "L", "M", "A"}


@lru_cache(maxsize=8192)
def _pos(text: str) -> tuple[tuple[str, str], ...]:
    from underthesea import pos_tag  # bundled CRF model: runs offline

    return tuple((w, t) for w, t in pos_tag(text))


def np_subject(sentence: str) -> Actor | None:
    """An organisation the agency table does not know, heading a task sentence.

    underthesea's POS tags give where the noun phrase ends (``Tòa án nhân dân tối cao,
    Viện kiểm sát nhân dân tối cao chủ trì …``); the phrase must start with an organisation head
    noun and be followed by a task verb. Each name is kept as written.
    """
    if not _ORG_HEAD.match(sentence):
        return None
    end = 0
    pos = 0
    for word, tag in _pos(sentence[:200]):
        at = sentence.find(word, pos)
        if at < 0:
            return None
        if _VERB_RX.match(sentence[at:]) or _PARTNER_RX.match(sentence[at:]):
            break
        if (
            tag not in _NOUNISH
            and not word[:1].isupper()
            and not (tag in ("CH", "C") and word in (",", "và"))
        ):
            return None  # a verb or preposition before any task verb: not a subject phrase
        pos = at + len(word)
        end = pos
    name = sentence[:end].strip(" ,")
    if not name or len(name) > 120:
        return None
    names: list[str] = []
    for part in re.split(r"\s*,\s*", name):
        # "và" joins two organisations only when an organisation head noun follows it.
        for piece in re.split(r"\s+và\s+(?=" + _ORG_HEAD.pattern[1:] + ")", part):
            known = agencies_in(piece)
            names.extend(known if len(known) == 1 and find_agencies(piece) else [piece.strip()])
    names = [n[0].upper() + n[1:] for n in dict.fromkeys(n for n in names if n)]
    return Actor(lead=names, lead_as_written=name, end=end, source="explicit") if names else None


def _is_agency_header(text: str) -> bool:
    """A line that only names an agency (``a) Tổ đảng ở Thường trực Ủy ban KH,CN&MT``)."""
    body = _strip_marker(text).rstrip(" :.")
    ms = find_agencies(body)
    if not ms:
        return False
    covered = sum(m.end - m.start for m in ms)
    rest = re.sub(r"[\s,;]|\bvà\b|\bcác\b|\blãnh đạo\b", "", fold(body))
    return covered >= 0.6 * len(body) or len(rest) <= 0.4 * len(fold(body).replace(" ", ""))


def _is_heading_only(p: Provision) -> bool:
    body = _strip_marker(p.text)
    return bool(p.children) and not body.rstrip().endswith((".", ":", ";"))


def _section_ok(p: Provision, by_id: dict[str, Provision]) -> bool:
    """True when ``p`` sits in a part that assigns work, not in objectives or assessment."""
    chain: list[Provision] = []
    q: Provision | None = p
    while q is not None:
        chain.append(q)
        q = by_id.get(q.parent_id or "")
    kinds = {c.kind for c in chain}
    if kinds & {"preamble", "closing", "appendix", "row", "group", "table", "gap"}:
        return False
    heads = [fold(c.heading) for c in chain[1:] if c.kind in ("part", "section", "heading", "lawpart")]
    if not heads:
        return False
    if any(any(k in h for k in _NON_TASK_PARTS) for h in heads[:1]) and not any(
        any(k in h for k in _TASK_PARTS) for h in heads[:1]
    ):
        return False
    return any(any(k in h for k in _TASK_PARTS) for h in heads)


def _implementation_lead(doc: Document, by_id: dict[str, Provision]) -> Actor | None:
    """In a resolution, the body charged with its action programme or plan."""
    rx = re.compile(
        r"xây dựng\s+(?:chương trình|kế hoạch)(?:\s+hành động)?(?:,\s*kế hoạch)?\s+(?:triển khai\s+)?"
        r"(?:thực hiện\s+)?Nghị quyết",
        re.IGNORECASE,
    )
    for p in doc.provisions:
        heads = fold(" ".join(by_id[a].heading for a in _ancestors(p, by_id)))
        if "to chuc thuc hien" not in heads or not rx.search(p.text):
            continue
        act = explicit_actor(p.text)
        if act and act.lead and not any(_group_flag(n) for n in act.lead):
            return Actor(lead=act.lead, lead_as_written=act.lead_as_written, source="implementation_part")
    return None


def _group_flag(name: str) -> bool:
    from ingest.tasks.agencies import is_group

    return is_group(name)


def _ancestors(p: Provision, by_id: dict[str, Provision]) -> list[str]:
    out: list[str] = []
    q = by_id.get(p.parent_id or "")
    while q is not None:
        out.append(q.id)
        q = by_id.get(q.parent_id or "")
    return out


def _reporting(text: str) -> list[Reporting]:
    out: list[Reporting] = []
    for m in _REPORT_RX.finditer(text):
        rest = m["rest"]
        to_part = re.split(r"\s+để\s+", rest, maxsplit=1)[0]
        to = [x.name for x in find_agencies(to_part)]
        rec = None
        r = _REC_RX.search(text[max(0, m.start() - 80) : m.start()])
        if r:
            rec = normalize_deadline(r.group(1)).recurrence or "periodic"
        if to or rec:
            out.append(Reporting(m.group(0).strip(), list(dict.fromkeys(to)), rec))
    return out


def _prose_commitments(doc: Document, by_id: dict[str, Provision], succ: SuccessorMap) -> list[Commitment]:
    if doc.meta.kind in (DocKind.REPORT, DocKind.ARTICLE, DocKind.LAW):
        return []
    default = _implementation_lead(doc, by_id) if doc.meta.kind in (DocKind.RESOLUTION,) else None
    explicit: dict[str, Actor | None] = {}
    context: dict[str, Actor | None] = {}

    def own(p: Provision) -> Actor | None:
        if p.id not in explicit:
            explicit[p.id] = explicit_actor(p.text)
            if explicit[p.id] is None and _is_agency_header(p.text):
                names = agencies_in(_strip_marker(p.text).rstrip(" :."))
                explicit[p.id] = Actor(
                    lead=names,
                    lead_as_written=_strip_marker(p.text).rstrip(" :."),
                    end=len(p.text),
                    source="header",
                )
        return explicit[p.id]

    def is_context(p: Provision) -> bool:
        a = own(p)
        return a is not None and (a.source == "header" or p.text.rstrip().endswith(":"))

    def inherited(p: Provision) -> Actor | None:
        if p.id in context:
            return context[p.id]
        parent = by_id.get(p.parent_id or "")
        found: Actor | None = None
        siblings = parent.children if parent else [r.id for r in doc.roots]
        if p.id in siblings:
            for sid in reversed(siblings[: siblings.index(p.id)]):
                s = by_id[sid]
                if s.kind == "para" and is_context(s):
                    found = own(s)
                    break
        if found is None and parent is not None:
            found = own(parent) if is_context(parent) else inherited(parent)
        context[p.id] = found
        return found

    out: list[Commitment] = []
    for p in doc.provisions:
        if p.gap or p.kind not in ("item", "subitem", "point", "subpoint", "dash", "para"):
            continue
        if not _section_ok(p, by_id) or _CLOSING_FORMULA.search(p.text) and len(p.text) < 160:
            continue
        if is_context(p) or _is_heading_only(p):
            continue
        if _detail_of_task(p, by_id):
            continue  # a dash detailing its parent task ("Sửa đổi Luật X để: - …")
        if (
            p.text.rstrip().endswith(":")
            and (p.children or _next_sibling_is_list(p, by_id))
            and _INTRODUCES_TASKS.search(p.text)
        ):
            continue  # a lead-in ("… thực hiện các nhiệm vụ sau:"); its items are the records
        act = own(p)
        task = _strip_marker(p.text)
        if act is None and p.children and not task.endswith(":"):
            # An item heading with sentences of its own but whose work is listed below it.
            if all(by_id[c].kind in ("point", "dash", "para", "subitem", "item") for c in p.children):
                continue
        flags: list[str] = []
        own_act = act
        if act is None:
            act = inherited(p)
        in_implementation = "to chuc thuc hien" in fold(
            " ".join(
                by_id[a].heading
                for a in _ancestors(p, by_id)
                if by_id[a].kind in ("part", "section", "heading")
            )
        )
        if act is None and in_implementation and doc.meta.issuer:
            # "Thành lập Ban Chỉ đạo …" in the implementation part: the issuing body acts itself.
            act = Actor(lead=agencies_in(doc.meta.issuer), lead_as_written=doc.meta.issuer, source="issuer")
            flags.append("lead_is_issuer")
        if act is None and default is not None:
            act = default
            flags.append("lead_from_implementation_part")
        lead = list(act.lead) if act else []
        partners = list(act.partners) if act else []
        dl_text = find_deadline(task)
        deadline = (
            normalize_deadline(dl_text, doc.meta.date) if dl_text else Deadline("", "none", flag="missing")
        )
        output = output_of_prose(task)
        label, group = _prose_group(p, by_id)
        c = Commitment(
            id=f"{p.id}#1",
            doc_id=doc.id,
            doc_number=doc.meta.number,
            provision_id=p.id,
            page=p.page_start,
            source="prose",
            group=group,
            group_label=label,
            task=task,
            task_short=_short_task(task, own_act),
            lead=lead,
            lead_as_written=act.lead_as_written if act else None,
            partners=partners,
            partners_as_written=act.partners_as_written if act else None,
            reporting=_reporting(task),
            deadline=deadline,
            output=output,
            flags=flags + _flags(lead, deadline, output, task),
            lead_current=succ.current_names(lead),
        )
        out.append(c)
    return out


# A lead-in that introduces separate tasks, as opposed to a task whose dashes detail it
# ("Sửa đổi Luật Khoa học và Công nghệ … để:").
_INTRODUCES_TASKS = re.compile(
    r"(?:nhiệm vụ|nội dung|giải pháp|công việc)[^:]{0,60}(?:sau|dưới đây)|sau đây\s*:\s*$|"
    r"như sau\s*:\s*$",
    re.IGNORECASE,
)


def _detail_of_task(p: Provision, by_id: dict[str, Provision]) -> bool:
    parent = by_id.get(p.parent_id or "")
    return (
        p.kind == "dash"
        and parent is not None
        and parent.kind in ("point", "item", "subitem")
        and parent.text.rstrip().endswith(":")
        and not _INTRODUCES_TASKS.search(parent.text)
        and explicit_actor(parent.text) is None
        and not _is_agency_header(parent.text)
    )


def _short_task(task: str, act: Actor | None) -> str:
    """The task without its subject clause, first sentence, shortened."""
    if act is not None and act.source == "explicit":
        body = _strip_marker(task)
        rest = body[act.end :].lstrip(" ,:")
        if len(rest) > 20:
            return _shorten(rest[0].upper() + rest[1:])
    return _shorten(task)


def _next_sibling_is_list(p: Provision, by_id: dict[str, Provision]) -> bool:
    parent = by_id.get(p.parent_id or "")
    if parent is None or p.id not in parent.children:
        return False
    i = parent.children.index(p.id)
    return i + 1 < len(parent.children) and by_id[parent.children[i + 1]].kind in (
        "dash",
        "point",
        "subpoint",
    )


def _prose_group(p: Provision, by_id: dict[str, Provision]) -> tuple[str | None, str | None]:
    """The task group: the nearest numbered item heading above ``p`` (or ``p``'s part)."""
    chain = [by_id[a] for a in _ancestors(p, by_id)]
    for q in chain:
        if q.kind == "item":
            return q.label, _shorten(q.heading, 140)
    for q in chain:
        if q.kind in ("part", "section", "heading"):
            return q.label, _shorten(q.heading, 140)
    return None, None


def extract_document(doc: Document) -> list[Commitment]:
    """All commitments of ``doc``: task-table rows first, then prose, in document order."""
    by_id = {p.id: p for p in doc.provisions}
    # Successions this document states, then the user's opt-in ones; the store-wide map is
    # applied when records are read (ingest.tasks.persist.load_commitments).
    succ = SuccessorMap(successions_of(doc.provisions) + configured_successions())
    rows = [_table_commitment(doc, p, by_id, succ) for p in doc.provisions if is_task_row(p)]
    return rows + _prose_commitments(doc, by_id, succ)
