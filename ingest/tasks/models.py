"""The records of the tasks package: Deadline, Output, Reporting, Commitment, Target."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

DeadlineKind = Literal[
    "date", "range", "quarter", "month", "year", "relative", "recurring", "continuous", "none", "unparsed"
]


@dataclass(slots=True)
class Deadline:
    """*Rõ thời gian*: a deadline as written plus its normalised form.

    ``start``/``end`` are ISO dates (``end`` is the last day a task may finish);
    ``recurrence`` is ``yearly``, ``half-yearly``, ``quarterly``, ``monthly`` or ``None``;
    ``flag`` tells a planner what to fix: ``missing``, ``vague`` (e.g. *thường xuyên*),
    ``open_ended`` (*2025 và những năm tiếp theo*) or ``unparsed`` (never guessed).
    """

    as_written: str
    kind: DeadlineKind
    start: str | None = None
    end: str | None = None
    recurrence: str | None = None
    flag: str | None = None
    dates: list[str] = field(default_factory=list)  # fixed days of a recurring deadline, "MM-DD"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class TargetValue:
    """A target figure: ``value`` with ``unit`` (``%``, ``tuổi`` …), comparator and year.

    A range target (``đạt 70 - 80%``) has ``value`` = its low end and ``value_max`` = its high end;
    ``change`` is ``increase``/``decrease`` when the figure is an amount to add or cut
    (``tăng … thêm tối thiểu 1,5cm``), not a level to reach.
    """

    as_written: str
    value: float | None
    unit: str | None
    comparator: str | None = None  # ">=", ">", "<=", "<", "=", "~"
    year: int | None = None
    value_max: float | None = None
    change: str | None = None


@dataclass(slots=True)
class Output:
    """*Rõ kết quả*: product types found (``Luật``, ``Nghị định`` …) and/or a target figure."""

    as_written: str
    types: list[str] = field(default_factory=list)
    target: TargetValue | None = None

    @property
    def type(self) -> str | None:
        return self.types[0] if self.types else None


@dataclass(slots=True)
class Reporting:
    """A reporting duty: who reports to whom, how often (*định kỳ 6 tháng báo cáo …*)."""

    as_written: str
    to: list[str] = field(default_factory=list)
    recurrence: str | None = None


@dataclass(slots=True)
class Commitment:
    """One "5 rõ" record, linked to the provision it came from."""

    id: str  # "<provision id>#<n>"
    doc_id: str
    doc_number: str | None
    provision_id: str
    page: int | None
    source: Literal["table", "prose"]
    group: str | None  # the programme's task group ("I. Nâng cao nhận thức …")
    group_label: str | None
    task: str  # rõ việc, verbatim
    task_short: str
    lead: list[str]  # canonical agencies (cơ quan chủ trì); a group is kept as a group
    lead_as_written: str | None
    partners: list[str]
    partners_as_written: str | None
    reporting: list[Reporting]
    deadline: Deadline
    output: Output
    flags: list[str]
    lead_current: list[str] = field(default_factory=list)  # after the 2025 reorganisation, where known

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["output"]["type"] = self.output.type
        return d


@dataclass(slots=True)
class Target:
    """An indicator (chỉ tiêu) with its value, unit, year and monitoring agency."""

    id: str
    doc_id: str
    doc_number: str | None
    provision_id: str
    page: int | None
    source: Literal["table", "prose"]
    group: str | None
    indicator: str
    value: TargetValue
    monitor: list[str]
    monitor_as_written: str | None
    flags: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
