"""All settings in one place (environment prefix ``NQDOC_``).

Built at entry points (CLI, API app factory, eval) and passed down; nothing reads the
environment at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NQDOC_", extra="ignore")

    home: Path = Field(Path(".nqdoc"), description="Folder for all state: database, index, model.")
    models_dir: Path | None = Field(
        None, description="Folder of built models; empty = HOME/models. Scratch homes share their parent's."
    )
    max_file_mb: float = Field(50.0, description="Files larger than this are refused at ingest.")
    ocr: bool = Field(True, description="OCR image-only PDF pages with Tesseract when available.")
    ocr_lang: str = Field("vie", description="Tesseract language(s) for OCR.")
    ocr_dpi: int = Field(300, description="Resolution at which scanned pages are rendered for OCR.")
    segment_max_tokens: int = Field(
        480, description="Token budget of a segment's embed text incl. header (model limit 512 with prefix)."
    )
    embed_model: str = Field(
        "", description="sentence-transformers model name or path; empty = bundled multilingual-e5-small."
    )
    embed_batch_size: int = Field(32, description="Texts per embedding batch.")
    query_backend: Literal["onnx", "onnx-int8", "torch"] = Field(
        "onnx-int8",
        description="How the default model embeds search queries, in ONNX Runtime: onnx-int8 (int8 weights, "
        "~2x faster than onnx; MRR@10 pooled over 796 evaluation queries +0.0002, 95% CI ±0.005 — "
        "`nqdoc eval query-backends`), onnx (fp32, same vectors as torch) or torch. Passages are always "
        "embedded with torch.",
    )
    qdrant_url: str = Field("", description="Qdrant server/cluster URL; empty = embedded engine under home.")
    qdrant_api_key: str = Field("", description="API key for the Qdrant server.")
    collection: str = Field("nqdoc", description="Qdrant collection name.")
    admin_token: str = Field("", description="Bearer token for write routes of the API; unset = read-only.")
    llm_base_url: str = Field("", description="OpenAI-compatible endpoint for generated answers (optional).")
    llm_model: str = Field("", description="Model name at that endpoint.")
    llm_api_key: str = Field("", description="API key for that endpoint.")
    search_threads: int = Field(
        0, ge=0,
        description="Searches the service runs at once (0 = one more than the cores); further requests "
        "wait their turn in arrival order.",
    )
    host: str = Field("127.0.0.1", description="Address `nqdoc serve` binds to.")
    port: int = Field(8000, description="Port `nqdoc serve` listens on.")

    @property
    def db_path(self) -> Path:
        return self.home / "nqdoc.sqlite3"

    @property
    def index_path(self) -> Path:
        return self.home / "index"

    @property
    def model_dir(self) -> Path:
        return self.models_dir if self.models_dir is not None else self.home / "models"

    def scratch(self, home: Path, **update: object) -> Settings:
        """These settings with another home (an evaluation's or benchmark's own store and index)
        that keeps using this home's built models — a model is built once, not once per home."""
        return self.model_copy(update={"home": home, "models_dir": self.model_dir, **update})

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity: in a container that can be fewer
    than the machine has), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
