"""Dense embeddings: one small seam, two implementations.

:class:`SentenceTransformerEmbedder` runs any sentence-transformers model (by default the
bundled multilingual-e5-small built by :mod:`index.e5model`); :class:`FakeEmbedder` is a
tiny deterministic test double. Both return L2-normalised float32 rows, so a dot product
is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ingest.errors import NqdocError
from ingest.normalize import fold
from ingest.settings import Settings

if TYPE_CHECKING:
    from index.onnx_query import OnnxQueryEncoder


@runtime_checkable
class Embedder(Protocol):
    """Turns queries and passages into vectors of one space."""

    model_id: str  # recorded in the index spec; a different id means a different space
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries: ``(len(texts), dim)`` float32, rows L2-normalised."""
        ...

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed passages to be indexed: ``(len(texts), dim)`` float32, rows L2-normalised."""
        ...


class EmbedderUnavailable(NqdocError):
    """The configured embedding model cannot be loaded."""

    code = "embedder_unavailable"
    http_status = 503


class SentenceTransformerEmbedder:
    """A sentence-transformers model on CPU (or another torch device).

    Prompts: an explicit ``query_prompt`` / ``passage_prompt`` wins; otherwise the model's
    own configured prompts named ``query`` and ``passage`` (or ``document``) are used; a
    model without prompts gets none. E5 models need theirs (``query: `` / ``passage: ``).
    """

    def __init__(
        self,
        name_or_path: str,
        query_prompt: str | None = None,
        passage_prompt: str | None = None,
        batch_size: int = 32,
        device: str = "cpu",
        *,
        model_id: str | None = None,
        query_encoder: OnnxQueryEncoder | None = None,
    ) -> None:
        _offline()
        self._name = name_or_path
        self._device = device
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._query_encoder = query_encoder
        self.batch_size = batch_size
        self.model_id = model_id or name_or_path
        if query_encoder is not None and query_prompt is not None and passage_prompt is not None:
            # Queries run in ONNX Runtime and the prompts are known: torch (~0.5 GB) is
            # loaded on the first passage batch only, so a search service never loads it.
            self.query_prompt, self.passage_prompt = query_prompt, passage_prompt
            self.dim = query_encoder.dim
            return
        model = self._st()
        prompts = {k: v for k, v in (model.prompts or {}).items() if v is not None}
        self.query_prompt = query_prompt if query_prompt is not None else prompts.get("query", "")
        self.passage_prompt = (
            passage_prompt
            if passage_prompt is not None
            else prompts.get("passage", prompts.get("document", ""))
        )
        dim = model.get_embedding_dimension()
        if not dim:
            raise EmbedderUnavailable(f"model {name_or_path!r} does not declare its embedding dimension")
        self.dim = int(dim)

    @property
    def concurrent_queries(self) -> bool:
        """Whether :meth:`encode_queries` may run from several threads at once, each call as
        fast as in a shared batch (ONNX Runtime: yes; the torch model: no)."""
        return self._query_encoder is not None

    @property
    def query_backend(self) -> str:
        """``torch``, or the ONNX Runtime variant queries run in (``onnx``, ``onnx-int8``)."""
        return self._query_encoder.backend if self._query_encoder is not None else "torch"

    def _st(self) -> Any:
        """The sentence-transformers model, loaded on first use (thread-safe)."""
        with self._load_lock:
            if self._model is None:
                _set_torch_threads()
                from sentence_transformers import SentenceTransformer

                try:
                    self._model = SentenceTransformer(self._name, device=self._device, local_files_only=True)
                except (OSError, ValueError) as e:
                    raise EmbedderUnavailable(
                        f"cannot load embedding model {self._name!r} offline ({e}); give a local path or a "
                        "model already in the Hugging Face cache (NQDOC_EMBED_MODEL), or leave it empty for "
                        "the bundled multilingual-e5-small",
                        message_vi=f"không nạp được mô hình nhúng {self._name!r}",
                    ) from e
            return self._model

    @property
    def max_seq_length(self) -> int:
        if self._query_encoder is not None:
            return self._query_encoder.max_seq_length
        return int(self._st().max_seq_length or 0)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries with the query prompt (in ONNX Runtime when available)."""
        if self._query_encoder is not None:
            return self._query_encoder.encode([self.query_prompt + t for t in texts], self.batch_size)
        return self._encode(texts, self.query_prompt, progress=False)

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed passages with the passage prompt, in batches (longest first, less padding)."""
        return self._encode(texts, self.passage_prompt, progress=progress)

    def _encode(self, texts: Sequence[str], prompt: str, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        import torch

        model = self._st()
        with torch.inference_mode():
            out: Any = model.encode(
                list(texts),
                prompt=prompt or None,
                batch_size=self.batch_size,
                show_progress_bar=progress,
                normalize_embeddings=True,
                convert_to_numpy=True,
            )
        return np.ascontiguousarray(out, dtype=np.float32)


class FakeEmbedder:
    """TEST DOUBLE — a deterministic hashed bag of words, no model, no torch.

    Each folded word (and each pair of neighbouring words) adds ±1 to a hashed
    dimension, so texts sharing words point the same way and score higher; accents and
    case are ignored. Good enough to check that plumbing ranks an obvious match first;
    meaningless as a semantic model.
    """

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.model_id = f"fake-hash-bow-{dim}"

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"[^\W_]+", fold(text))
            for tok in words + [a + " " + b for a, b in zip(words, words[1:], strict=False)]:
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            if norm == 0.0:  # an empty text still needs a valid unit vector for cosine
                out[row, 0] = 1.0
            else:
                out[row] /= norm
        return out


def load_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for.

    ``settings.embed_model`` empty → the bundled multilingual-e5-small (built on first use
    under ``settings.model_dir``); otherwise any sentence-transformers model name or path
    available offline; ``"fake"`` or ``"fake:DIM"`` → :class:`FakeEmbedder` (tests only).
    """
    # One model per process: ingest's index sync, the linker and the retriever all ask for
    # it, and loading e5 costs seconds and ~0.5 GB each time.
    key = (
        settings.embed_model,
        str(settings.model_dir.resolve()),
        settings.embed_batch_size,
        settings.query_backend,
    )
    cached = _LOADED.get(key)
    if cached is None:
        cached = _LOADED[key] = _load_embedder(settings)
    return cached


_LOADED: dict[tuple[str, str, int, str], Embedder] = {}


def _load_embedder(settings: Settings) -> Embedder:
    if settings.embed_model.startswith("fake"):
        # "fake" / "fake:128": the hashed bag-of-words stand-in (no semantics, no model
        # files) — for fast tests of the layers above retrieval, never for real use.
        _, _, dim = settings.embed_model.partition(":")
        return FakeEmbedder(dim=int(dim) if dim else 64)
    if settings.embed_model:
        return SentenceTransformerEmbedder(settings.embed_model, batch_size=settings.embed_batch_size)
    from index.e5model import PASSAGE_PROMPT, QUERY_PROMPT, ensure_default_model, model_id

    path = ensure_default_model(settings)
    query_encoder = None
    if settings.query_backend != "torch":
        from index.onnx_query import ONNX_FILE, ONNX_INT8_FILE, OnnxQueryEncoder

        graph = ONNX_INT8_FILE if settings.query_backend == "onnx-int8" else ONNX_FILE
        query_encoder = OnnxQueryEncoder(path, path / graph, backend=settings.query_backend)
    return SentenceTransformerEmbedder(
        str(path),
        query_prompt=QUERY_PROMPT,
        passage_prompt=PASSAGE_PROMPT,
        batch_size=settings.embed_batch_size,
        model_id=model_id(),
        query_encoder=query_encoder,
    )


def _offline() -> None:
    from index.e5model import hf_offline

    hf_offline()


_THREADS_SET = False


def _set_torch_threads() -> None:
    """Use every core this process may run on, and no more.

    torch sizes its pool from the machine's core count, which in a container can exceed
    the cores actually granted (affinity); oversubscribed threads slow matmuls down.
    Inter-op parallelism buys nothing for one encoder forward pass.
    """
    global _THREADS_SET
    if _THREADS_SET:
        return
    import torch

    from ingest.settings import usable_cores

    torch.set_num_threads(usable_cores())
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or parallel work already started in this process
        pass
    _THREADS_SET = True
