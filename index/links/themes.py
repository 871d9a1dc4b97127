"""Cross-cutting policy themes, for ``related`` links between resolutions of different sectors.

Resolutions 57/59/70/71/72 each cover one sector (science & technology, integration, energy,
education, health), and what links them is a *cross-cutting* theme: workforce and talent,
international cooperation, digital transformation, science & research, energy, state budget,
institutions and law, the private sector, decentralisation, physical education / school
health. A provision carries a theme when its text names one of the theme's terms.

A theme that runs through most of one document (e.g. *năng lượng* in 70-NQ/TW, *khoa học,
công nghệ* in 57-NQ/TW) is that document's *sector*, not a theme of each provision: for that
document it counts only when it is in the provision's lead sentence (its topic). The sector
name of education (*giáo dục và đào tạo*) is removed before matching.

The list is domain knowledge written from the issue's own examples and the usual headings of
Party resolutions, not fitted to gold pairs; each theme is shown to readers in the link reason.
Session 3 narrowed it after reading a random sample of emitted links: the workforce theme names
the workforce (*nhân lực*, *giáo viên*, *bác sĩ*…), no longer the activities every sector has
(*đào tạo*, *bồi dưỡng*, *đội ngũ*: 10 of 16 wrong links in that sample rested on them), and
:func:`concrete_themes` ignores sector names such as *khoa học, công nghệ*. Session 5 widened it
after listing the tune-half gold pairs that got no candidate: *tài năng* (talent) is the workforce,
any *ngân sách* is the budget, and a sector name silences only the theme it names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.models import Provision
from ingest.normalize import index_form

THEMES: dict[str, tuple[str, ...]] = {
    "nhân lực, nhân tài": (
        "nhân lực",
        "nhân tài",
        "tài năng",
        "giảng viên",
        "nhà giáo",
        "giáo viên",
        "bác sĩ",
        "cán bộ y tế",
        "nhân viên y tế",
        "chuyên gia",
        "nhà khoa học",
    ),
    "hợp tác, hội nhập quốc tế": (
        "hợp tác quốc tế",
        "hội nhập quốc tế",
        "hợp tác và hội nhập",
        "hội nhập",
        "nước ngoài",
    ),
    "chuyển đổi số": (
        "chuyển đổi số",
        "công nghệ số",
        "dữ liệu",
        "trí tuệ nhân tạo",
        "nền tảng số",
        "năng lực số",
        "điện tử",
        "môi trường số",
        "trực tuyến",
    ),
    "khoa học, công nghệ": (
        "khoa học, công nghệ",
        "khoa học và công nghệ",
        "khoa học - công nghệ",
        "nghiên cứu khoa học",
        "đổi mới sáng tạo",
        "phòng thí nghiệm",
        "sáng chế",
        "chuyển giao công nghệ",
        "công bố khoa học",
        "công nghệ chiến lược",
    ),
    "năng lượng": ("năng lượng", "điện hạt nhân", "lưới điện", "nguồn điện", "hệ thống điện", "xăng dầu"),
    "ngân sách nhà nước": ("ngân sách", "tổng chi"),
    "thể chế, pháp luật": ("thể chế", "pháp luật"),
    "khu vực tư nhân": ("tư nhân", "ngoài công lập", "hợp tác công tư", "xã hội hóa"),
    "phân cấp, phân quyền": ("phân cấp", "phân quyền", "chính quyền địa phương", "mô hình chính quyền"),
    "thể chất, sức khỏe học đường": ("thể chất", "học đường", "thể lực"),
}
_TERMS = {t: tuple(index_form(x) for x in v) for t, v in THEMES.items()}
_SECTOR_NAMES = tuple(
    index_form(x) for x in ("giáo dục và đào tạo", "giáo dục, đào tạo", "giáo dục - đào tạo")
)
PERVASIVE = 0.4  # a theme in more than this share of a document's provisions is its sector
_LEAD = re.compile(r"(?<=[.;:])\s")


def lead(text: str) -> str:
    """The first sentence (up to ``.``, ``;`` or ``:``): the provision's topic."""
    return _LEAD.split(text.strip(), maxsplit=1)[0]


def _named(text: str, terms: dict[str, tuple[str, ...]]) -> set[str]:
    """Keys of ``terms`` whose terms occur in ``text`` (index form, sector names removed)."""
    t = index_form(text)
    for name in _SECTOR_NAMES:
        t = t.replace(name, " ")
    return {key for key, xs in terms.items() if any(x in t for x in xs)}


def themes_of(text: str) -> set[str]:
    return _named(text, _TERMS)


# Names of a whole sector and set political formulas: they name a field or the economic system,
# not a concrete task, so a clause is not about a theme because it contains one. Longest first.
_SET_PHRASES = tuple(
    sorted(
        (
            index_form(x)
            for x in (
                "khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số",
                "khoa học, công nghệ, đổi mới sáng tạo",
                "khoa học, công nghệ và đổi mới sáng tạo",
                "khoa học và công nghệ",
                "khoa học, công nghệ",
                "khoa học - công nghệ",
                "khoa học công nghệ",
                "thể chế kinh tế thị trường định hướng xã hội chủ nghĩa",
            )
        ),
        key=len,
        reverse=True,
    )
)


# The themes the set phrases name: science (the field names) and institutions (the formula).
SET_PHRASE_THEMES = frozenset({"khoa học, công nghệ", "thể chế, pháp luật"})


# "hội nhập quốc tế" as a modifier of another subject — a standard to meet, not a task of
# international cooperation: "y tế chuyên sâu đáp ứng yêu cầu thực tiễn và hội nhập quốc tế",
# "nhân lực … đáp ứng sự hài lòng của người bệnh và hội nhập quốc tế", "phù hợp với … hội nhập".
# (Session 4 also dropped "chuẩn quốc tế" from the theme's terms: "đạt tiêu chuẩn quốc tế" is
# a level of quality, not cooperation.)
_MODIFIER = re.compile(r"\b(?:đáp ứng|phù hợp với|ngang tầm)\b[^.;:]{0,80}?\bhội nhập(?: quốc tế)?")


def concrete_themes(text: str) -> set[str]:
    """Themes a clause is concretely about: :func:`themes_of` once sector names are removed.

    "khoa học, công nghệ" (the whole field of three of the resolutions, and a section of every
    other one) and the formula "thể chế kinh tế thị trường định hướng xã hội chủ nghĩa" do not
    make a clause about science or about institutions; the field's concrete terms
    (*phòng thí nghiệm*, *chuyển giao công nghệ*, *công bố khoa học*…) still do. A set phrase
    silences only the themes it names (:data:`SET_PHRASE_THEMES`): the words it shares with
    another theme's terms still count for that theme — "… đổi mới sáng tạo và chuyển đổi số"
    is about digital transformation, "cán bộ khoa học và công nghệ" about the workforce.
    """
    t = _MODIFIER.sub(" ", index_form(text))
    stripped = t
    for name in _SET_PHRASES:
        stripped = stripped.replace(name, " ")
    return themes_of(stripped) | (themes_of(t) - SET_PHRASE_THEMES)


# Fields (lĩnh vực) a clause can say it is about. A document's own field is the one named in
# most of its provisions (:func:`document_fields`). Only used for a theme that is the *sector*
# of one document (integration for 59-NQ/TW): its provisions divide that theme by field
# ("hội nhập quốc tế về chính trị, quốc phòng, an ninh"), and such a provision relates to
# another resolution only when it names that resolution's field.
FIELDS: dict[str, tuple[str, ...]] = {
    "chính trị, quốc phòng, an ninh": ("chính trị", "quốc phòng", "an ninh", "đối ngoại"),
    "kinh tế": ("kinh tế", "thương mại", "đầu tư"),
    "văn hóa, xã hội": ("văn hóa", "xã hội", "du lịch"),
    "khoa học, công nghệ": ("khoa học", "công nghệ", "đổi mới sáng tạo"),
    "giáo dục, đào tạo": ("giáo dục", "đào tạo"),
    "y tế": ("y tế", "sức khỏe"),
    "năng lượng": ("năng lượng", "điện"),
}
_FIELD_TERMS = {k: tuple(index_form(x) for x in v) for k, v in FIELDS.items()}
# Set phrases whose words would name a wrong field: "an ninh năng lượng" is energy,
# "kinh tế - xã hội" the whole development goal, "chính trị" in "hệ thống chính trị" the Party/State.
_FIELD_NOISE = tuple(
    index_form(x) for x in ("an ninh năng lượng", "kinh tế - xã hội", "kinh tế, xã hội", "hệ thống chính trị")
)


def fields_of(text: str) -> set[str]:
    """Fields a text names (:data:`FIELDS`)."""
    t = index_form(text)
    for x in _FIELD_NOISE:
        t = t.replace(x, " ")
    return {
        f for f, terms in _FIELD_TERMS.items() if any(re.search(rf"\b{re.escape(x)}\b", t) for x in terms)
    }


def document_fields(ps: Sequence[Provision]) -> set[str]:
    """A document's own fields: named in more than :data:`PERVASIVE` of its provisions."""
    full = [fields_of(p.text) for p in ps]
    return {f for f in FIELDS if sum(f in s for s in full) > PERVASIVE * max(len(ps), 1)}


def sector_themes(ps: Sequence[Provision]) -> set[str]:
    """Themes running through most of a document's provisions: its sector."""
    full = [themes_of(p.text) for p in ps]
    return {t for t in THEMES if sum(t in s for s in full) > PERVASIVE * max(len(ps), 1)}


def document_themes(ps: Sequence[Provision]) -> list[set[str]]:
    """Themes of each provision of one document, its sector themes counted only in lead sentences."""
    sector = sector_themes(ps)
    return [(themes_of(p.text) - sector) | themes_of(lead(p.text)) for p in ps]


def shared_themes(ta: set[str], tb: set[str], sector_a: set[str], sector_b: set[str]) -> list[str]:
    """Themes two provisions share, excluding a theme that is the sector of both documents.

    (20-NQ/TW and 57-NQ/TW are both about science & technology: that alone relates nothing.)
    """
    return sorted((ta & tb) - (sector_a & sector_b))


# What a workforce clause does for the workforce. Every sector develops its staff, so two
# clauses naming "nhân lực" relate only when they also share the kind of policy: attracting and
# rewarding, training, staffing levels, or the top tier (talent, experts). Session 4: ten of the
# hand-judged wrong links paired different kinds (staff ethics ≠ attraction; vocational
# education ≠ working conditions; a goal's "nguồn nhân lực" ≠ teachers' standards).
WORKFORCE = "nhân lực, nhân tài"
WORKFORCE_ASPECTS: dict[str, tuple[str, ...]] = {
    "thu hút, đãi ngộ": ("thu hút", "trọng dụng", "đãi ngộ", "ưu đãi", "tôn vinh", "chính sách"),
    "đào tạo, bồi dưỡng": ("đào tạo", "bồi dưỡng"),
    "số lượng, cơ cấu": ("số lượng", "cơ cấu", "biên chế", "bố trí", "tuyển dụng"),
    "trình độ cao, nhân tài": (
        "chất lượng cao",
        "trình độ cao",
        "nhân tài",
        "tài năng",
        "chuyên gia",
        "đầu ngành",
    ),
}
_ASPECT_TERMS = {k: tuple(index_form(x) for x in v) for k, v in WORKFORCE_ASPECTS.items()}


def workforce_aspects(text: str) -> set[str]:
    """Kinds of workforce policy a clause names (:data:`WORKFORCE_ASPECTS`), sector names removed."""
    return _named(text, _ASPECT_TERMS)
