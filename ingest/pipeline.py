"""Ingest files into the store of record: read → structure → segment → store.

Idempotent by content hash: an unchanged file is skipped before anything heavy is
imported; a changed file replaces its previous version atomically; every file ends in
exactly one outcome (added / unchanged / replaced / failed with a reason) and one bad file
never stops the batch or touches what is already stored.
"""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ingest.errors import DuplicateDocument, EmptyFile, FileTooLarge, IngestError
from ingest.metadata import document_id, load_manifest, manifest_entry, resolve_meta
from ingest.models import Document, RawDoc, Segment
from ingest.settings import Settings
from ingest.store import Store
from ingest.structure import build_provisions

Status = Literal["added", "unchanged", "replaced", "failed"]

_SKIP_NAMES = {"manifest.yaml", "manifest.yml", "manifest.json", "README.md", ".gitkeep", ".DS_Store"}


@dataclass
class FileOutcome:
    path: str
    status: Status
    documents: list[str] = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None
    message_vi: str | None = None
    removed: list[str] = field(default_factory=list)  # doc ids removed from the store (replaced / evicted)


@dataclass
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> bool:
        return any(f.status == "failed" for f in self.files)

    def summary(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("added", "unchanged", "replaced", "failed")}


def expand_paths(inputs: Iterable[str]) -> tuple[list[tuple[Path, Path | None]], list[FileOutcome]]:
    """Files from files, folders (recursive) and globs, each with the root it came from.

    Returns the files and a failure outcome for each input that matched nothing.
    """
    found: list[tuple[Path, Path | None]] = []
    missing: list[FileOutcome] = []
    seen: set[Path] = set()

    def add(p: Path, root: Path | None) -> None:
        rp = p.resolve()
        if rp not in seen and p.name not in _SKIP_NAMES and not p.name.startswith("."):
            seen.add(rp)
            found.append((p, root))

    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts):
                    add(f, p)
        elif p.is_file():
            add(p, None)
        elif any(ch in raw for ch in "*?["):
            matches = sorted(Path(m) for m in glob.glob(raw, recursive=True))
            files = [m for m in matches if m.is_file()]
            if not files:
                missing.append(_fail(raw, IngestError(f"{raw}: no file matches this pattern",
                                                      message_vi=f"{raw}: không có tệp nào khớp mẫu này")))
            for m in files:
                add(m, None)
        else:
            missing.append(_fail(raw, IngestError(f"{raw}: no such file or folder",
                                                  message_vi=f"{raw}: không tìm thấy tệp hoặc thư mục")))
    return found, missing


def _fail(path: str, err: IngestError) -> FileOutcome:
    return FileOutcome(path=path, status="failed", error=str(err), error_code=err.code,
                       message_vi=err.message_vi)


def build_documents(raws: list[RawDoc], content_hash: str,
                    manifest_fields: dict[str, object]) -> list[Document]:
    """Structure each RawDoc of one file into a Document (metadata + provision tree)."""
    docs: list[Document] = []
    used: set[str] = set()
    for raw in raws:
        meta = resolve_meta(raw, manifest_fields if len(raws) == 1 else None)
        doc_id = document_id(meta, raw, content_hash)
        if doc_id in used:  # a collection repeating a record id
            n = 2
            while f"{doc_id}~{n}" in used:
                n += 1
            doc_id = f"{doc_id}~{n}"
        used.add(doc_id)
        docs.append(
            Document(
                id=doc_id,
                meta=meta,
                source=raw.source,
                format=raw.format,
                content_hash=content_hash,
                provisions=build_provisions(raw, doc_id),
                page_count=raw.page_count,
            )
        )
    return docs


def ingest_file(
    store: Store, path: Path, root: Path | None, settings: Settings, *, replace: bool = False,
    manifests: dict[Path, dict[str, dict[str, object]]] | None = None,
) -> FileOutcome:
    """Ingest one file; never raises for bad input — returns a failed outcome instead."""
    key = str(path.resolve())
    try:
        size = path.stat().st_size
        if size == 0:
            raise EmptyFile(f"{path}: the file is empty (0 bytes)", message_vi=f"{path}: tệp rỗng (0 byte)")
        if size > settings.max_file_bytes:
            raise FileTooLarge(
                f"{path}: {size / 1e6:.1f} MB is over the limit of {settings.max_file_mb:g} MB "
                "(NQDOC_MAX_FILE_MB)",
                message_vi=f"{path}: {size / 1e6:.1f} MB vượt giới hạn {settings.max_file_mb:g} MB",
            )
        data = path.read_bytes()
        content_hash = hashlib.sha256(data).hexdigest()
        previous = store.source_hash(key)
        if previous == content_hash:
            return FileOutcome(path=str(path), status="unchanged")
        other = store.source_with_hash(content_hash)
        if other is not None and other != key and Path(other).exists():
            raise DuplicateDocument(
                f"{path}: same content as the already ingested {other}; skipped",
                message_vi=f"{path}: trùng nội dung với tệp đã nạp {other}; bỏ qua",
            )

        from ingest.readers import read_file
        from ingest.segment import segment_document

        raws = read_file(path, settings)
        folder = root or path.parent
        manifest = (manifests or {}).get(folder)
        if manifest is None:
            manifest = load_manifest(folder)
            if manifests is not None:
                manifests[folder] = manifest
        docs = build_documents(raws, content_hash, manifest_entry(manifest, path, root))
        evict: list[str] = []
        for d in docs:
            owner = store.owner_of(d.id)
            if owner is not None and owner != key:
                if other is not None and owner == other:
                    evict.append(d.id)  # the same file moved: its old path no longer exists
                elif replace:
                    evict.append(d.id)
                else:
                    raise DuplicateDocument(
                        f"{path}: document {d.id} is already ingested from {owner}; "
                        "use --replace to replace it with this file",
                        message_vi=f"{path}: văn bản {d.id} đã được nạp từ {owner}; "
                                   "dùng --replace để thay thế",
                    )
        segments: list[Segment] = []
        for d in docs:
            segments.extend(segment_document(d, settings.segment_max_tokens))
        fmt = docs[0].format if docs else "unknown"
        removed = store.replace_source(key, content_hash, fmt, size, docs, segments, evict=evict)
        status: Status = "replaced" if previous is not None or evict else "added"
        return FileOutcome(path=str(path), status=status, documents=[d.id for d in docs], removed=removed)
    except IngestError as err:
        return _fail(str(path), err)
    except OSError as err:
        return _fail(str(path), IngestError(f"{path}: cannot read the file ({err.strerror or err})",
                                            message_vi=f"{path}: không đọc được tệp ({err.strerror or err})"))
    except Exception as err:  # a reader bug must not stop the batch or lose stored data
        return _fail(str(path), IngestError(f"{path}: unexpected error while ingesting "
                                            f"({type(err).__name__}: {err})",
                                            message_vi=f"{path}: lỗi không mong đợi khi nạp "
                                                       f"({type(err).__name__})"))


def ingest_paths(
    inputs: Iterable[str],
    settings: Settings,
    *,
    replace: bool = False,
    on_file: Callable[[Path, int, int], None] | None = None,
    on_done: Callable[[FileOutcome], None] | None = None,
    store: Store | None = None,
) -> IngestReport:
    """Ingest every file under ``inputs``; ``on_file(path, i, n)`` drives a progress bar."""
    import time

    t0 = time.perf_counter()
    files, missing = expand_paths(inputs)
    own_store = store is None
    store = store or Store(settings.db_path)
    report = IngestReport(files=list(missing))
    manifests: dict[Path, dict[str, dict[str, object]]] = {}
    try:
        for i, (path, root) in enumerate(files):
            if on_file:
                on_file(path, i, len(files))
            outcome = ingest_file(store, path, root, settings, replace=replace, manifests=manifests)
            report.files.append(outcome)
            if on_done:
                on_done(outcome)
    finally:
        if own_store:
            store.close()
    report.seconds = time.perf_counter() - t0
    return report
