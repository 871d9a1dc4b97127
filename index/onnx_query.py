"""Query encoding with ONNX Runtime: the same vectors as torch, a few times faster.

A search embeds one short query at a time, and for such tiny inputs most of a torch
forward pass is per-call overhead: multilingual-e5-small took ~24 ms a query through
sentence-transformers on 2 cores, the same graph in ONNX Runtime ~7 ms (measured, see
``nqdoc bench retrieval``). For long passages torch is as fast or faster, so indexing
stays on torch and only queries take this path.

:func:`export_query_onnx` traces a sentence-transformers model whose pipeline is
Transformer → mean Pooling → Normalize into one ONNX graph — encoder, masked mean and L2
normalisation — so the runtime returns finished embeddings. sentence-transformers' own
``backend="onnx"`` needs ``optimum``, whose releases pin an older ``transformers`` than
ours; the export here uses torch's exporter and ONNX Runtime only. The model's own
tokenizer is used unchanged, so token ids are the ones sentence-transformers feeds torch.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ONNX_FILE = "onnx/query-encoder.onnx"
ONNX_INT8_FILE = "onnx/query-encoder-int8.onnx"
_INPUTS = ("input_ids", "attention_mask")


class UnsupportedForOnnx(ValueError):
    """The model's sentence-transformers pipeline is not Transformer → mean pooling → Normalize."""


def export_query_onnx(model_dir: Path, out: Path | None = None, opset: int = 17) -> Path:
    """Write ``model_dir``'s encoder + mean pooling + normalisation as one ONNX graph.

    Raises :class:`UnsupportedForOnnx` for models with another pooling (CLS, last token) or
    extra modules, whose output this graph would not reproduce.
    """
    import torch
    from sentence_transformers import SentenceTransformer

    out = out or model_dir / ONNX_FILE
    st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    names = [type(m).__name__ for m in st]
    pooling = st[1] if len(st) > 1 else None
    if names != ["Transformer", "Pooling", "Normalize"] or getattr(pooling, "pooling_mode", "mean") != "mean":
        raise UnsupportedForOnnx(f"{model_dir}: pipeline {names} is not Transformer, mean Pooling, Normalize")
    encoder: Any = st[0].auto_model
    encoder.eval()

    class _Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    sample = st.tokenizer(["query: mẫu"], return_tensors="pt")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer warnings about Python branches on shapes
        torch.onnx.export(
            _Graph(),
            (sample["input_ids"], sample["attention_mask"]),
            str(tmp),
            input_names=list(_INPUTS),
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
            opset_version=opset,
            dynamo=False,  # the TorchScript exporter: no onnxscript dependency, stable output
        )
    tmp.replace(out)
    meta = {"max_seq_length": int(st.max_seq_length or 512), "dim": int(st.get_embedding_dimension() or 0)}
    out.with_suffix(".json").write_text(json.dumps(meta) + "\n", encoding="utf-8")
    return out


def quantize_query_onnx(src: Path, out: Path) -> Path:
    """Dynamic int8 quantisation of an exported graph (weights per channel, activations per call).

    About 1.7x faster per query than fp32 on 2 cores; the vectors move slightly (cosine ~0.997
    to fp32 on our gold questions), so it is offered as a backend chosen by measured retrieval
    quality, not silently.
    """
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_suffix(".tmp")
    quiet = logging.getLogger()
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # "consider pre-processing" advice on every call
    try:
        quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        quiet.setLevel(level)
    tmp.replace(out)
    out.with_suffix(".json").write_text(
        src.with_suffix(".json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return out


class OnnxQueryEncoder:
    """Runs the exported graph: texts in, L2-normalised float32 embeddings out."""

    def __init__(
        self,
        model_dir: Path,
        onnx_path: Path | None = None,
        threads: int = 1,
        backend: str = "onnx",
    ) -> None:
        path = onnx_path or model_dir / ONNX_FILE
        self.backend = backend  # reported in benchmarks and evaluations
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        self.max_seq_length = int(meta["max_seq_length"])
        self.dim = int(meta["dim"])
        # One intra-op thread: a query is ~30 tokens, too short for its matrix products to
        # gain from being split — on 2 cores two threads per query cost ~1 ms more CPU per
        # query under concurrent searches and were no faster alone. Parallelism comes from
        # concurrent searches each running the (thread-safe) session.
        self._model_dir, self._path, self._threads = model_dir, path, threads
        # Loaded on the first query: a process that only indexes (``nqdoc ingest``) never
        # pays the session's ~0.5 GB (~0.8 GB while it loads).
        self._session: Any = None
        self._tokenizer: Any = None
        self._load_lock = threading.Lock()
        # Fast tokenizers are not safe to call from several threads at once (they mutate
        # their padding/truncation state); the session itself is.
        self._tok_lock = threading.Lock()

    def _load(self) -> Any:
        with self._load_lock:
            if self._session is None:
                import onnxruntime as ort
                from transformers import AutoTokenizer

                self._tokenizer = AutoTokenizer.from_pretrained(str(self._model_dir), local_files_only=True)
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = self._threads
                opts.inter_op_num_threads = 1
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                # Idle worker threads must sleep, not spin: a search service runs the encoder
                # between index lookups and HTTP work on the same cores.
                opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
                cpu = ["CPUExecutionProvider"]
                self._session = ort.InferenceSession(str(self._path), opts, providers=cpu)
            return self._session

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        session = self._load()
        rows = []
        for start in range(0, len(texts), batch_size):
            with self._tok_lock:
                enc = self._tokenizer(
                    list(texts[start : start + batch_size]),
                    padding=True,
                    truncation=True,
                    max_length=self.max_seq_length,
                    return_tensors="np",
                )
            feed = {name: np.asarray(enc[name], dtype=np.int64) for name in _INPUTS}
            rows.append(session.run(None, feed)[0])
        if not rows:
            return np.zeros((0, self.dim), np.float32)
        return np.ascontiguousarray(np.vstack(rows), dtype=np.float32)

