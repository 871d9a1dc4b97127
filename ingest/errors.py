"""A small hierarchy of errors with messages a user can act on.

Translated at the edges: a one-line message and exit code in the CLI, a JSON body with a
stable ``code`` in the API. ``message_vi`` is shown to Vietnamese users, ``str(e)`` is English.
"""

from __future__ import annotations


class NqdocError(Exception):
    """Base class. ``code`` is stable and machine-readable."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, message_vi: str | None = None) -> None:
        super().__init__(message)
        self.message_vi = message_vi or message


class IngestError(NqdocError):
    """A file could not be ingested; the rest of the batch goes on."""

    code = "ingest_failed"


class UnsupportedFormat(IngestError):
    code = "unsupported_format"
    http_status = 415


class EmptyFile(IngestError):
    code = "empty_file"


class FileTooLarge(IngestError):
    code = "file_too_large"
    http_status = 413


class EncryptedDocument(IngestError):
    code = "encrypted"


class CorruptDocument(IngestError):
    code = "corrupt"


class OcrUnavailable(IngestError):
    code = "ocr_unavailable"


class LegacyEncoding(IngestError):
    code = "legacy_encoding"


class NotVietnamese(IngestError):
    code = "not_vietnamese"


class DuplicateDocument(IngestError):
    code = "duplicate"
    http_status = 409


class NotFound(NqdocError):
    code = "not_found"
    http_status = 404
