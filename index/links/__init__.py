"""Typed links between provisions (implements, cites, continues/supersedes, related, reports_on).

Computed by :mod:`index.links.update` (incremental, per document pair), stored in tables of
the store's SQLite file (:mod:`index.links.db`), explained by human-checkable reasons.
"""

from index.links.model import LINK_LABELS_VI, LINK_TYPES, Link, LinkType
from index.links.update import Linker, UpdateReport, update_links

__all__ = ["LINK_LABELS_VI", "LINK_TYPES", "Link", "LinkType", "Linker", "UpdateReport", "update_links"]
