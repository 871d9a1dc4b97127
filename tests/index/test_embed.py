"""The FakeEmbedder test double, and loading an embedder from settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.embed import (
    Embedder,
    EmbedderUnavailable,
    FakeEmbedder,
    SentenceTransformerEmbedder,
    load_embedder,
)
from ingest.settings import Settings


def test_fake_embedder_is_a_deterministic_unit_embedder() -> None:
    e = FakeEmbedder(dim=32)
    assert isinstance(e, Embedder)
    a = e.encode_passages(["Mục tiêu giáo dục", "", "khoa học công nghệ"])
    assert a.shape == (3, 32) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(
        a, FakeEmbedder(dim=32).encode_passages(["Mục tiêu giáo dục", "", "khoa học công nghệ"])
    )
    assert e.encode_queries([]).shape == (0, 32)


def test_fake_embedder_ranks_shared_words_higher() -> None:
    e = FakeEmbedder(dim=256)
    q = e.encode_queries(["muc tieu giao duc"])[0]  # accents are ignored
    docs = e.encode_passages(["Mục tiêu giáo dục đến năm 2030", "Hạ tầng số và trung tâm dữ liệu"])
    assert docs[0] @ q > docs[1] @ q


def test_unknown_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbedderUnavailable, match="NQDOC_EMBED_MODEL"):
        load_embedder(Settings(home=tmp_path, embed_model=str(tmp_path / "no-such-model")))


def _tiny_st(tmp_path: Path, pooling: str = "mean") -> Path:
    """SYNTHETIC model: a tiny randomly initialised BERT with the real XLM-R tokenizer, saved
    locally (no hub). Good for plumbing and equivalence checks, meaningless as a model."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel

    from index import e5model

    torch.manual_seed(0)  # the same random weights every run
    hf = tmp_path / "hf"
    cfg = BertConfig(
        vocab_size=250037, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64
    )
    BertModel(cfg).save_pretrained(hf)
    _, tok = e5model.source_files()
    (hf / "tokenizer.json").write_bytes(tok.read_bytes())
    (hf / "tokenizer_config.json").write_text(
        '{"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512}'
    )
    SentenceTransformer(
        modules=[Transformer(str(hf), max_seq_length=64), Pooling(32, pooling), Normalize()],
        prompts={"query": "query: ", "passage": "passage: "},
    ).save(str(tmp_path / "st"))
    return tmp_path / "st"


def test_sentence_transformer_embedder_takes_prompts_from_model(tmp_path: Path) -> None:
    _tiny_st(tmp_path)
    e = SentenceTransformerEmbedder(str(tmp_path / "st"), batch_size=4)
    assert (e.query_prompt, e.passage_prompt, e.dim, e.model_id) == (
        "query: ",
        "passage: ",
        32,
        str(tmp_path / "st"),
    )
    out = e.encode_passages(["một", "hai ba", "bốn năm sáu", "bảy", "tám"], progress=False)
    assert out.shape == (5, 32) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    # Prompts matter: the same text embedded as a query differs from it as a passage.
    assert not np.allclose(e.encode_queries(["một"])[0], out[0])
    override = SentenceTransformerEmbedder(str(tmp_path / "st"), query_prompt="", passage_prompt="")
    np.testing.assert_allclose(
        override.encode_queries(["một"])[0], override.encode_passages(["một"])[0], atol=1e-6
    )


def test_one_embedder_per_process_and_settings(tmp_path) -> None:
    from index.embed import load_embedder
    from ingest.settings import Settings

    a = Settings(home=tmp_path / "a", embed_model="fake")
    assert load_embedder(a) is load_embedder(a.model_copy())  # loaded once, reused
    assert load_embedder(Settings(home=tmp_path / "a", embed_model="fake:32")) is not load_embedder(a)


def test_onnx_query_encoder_matches_torch_and_spares_loading_torch(tmp_path: Path) -> None:
    from index.onnx_query import OnnxQueryEncoder, export_query_onnx, quantize_query_onnx

    st = _tiny_st(tmp_path)
    graph = export_query_onnx(st)
    queries = ["một", "muc tieu giao duc 2030", "Ai chủ trì xây dựng Luật?", "dài " * 200]  # last: truncated
    reference = SentenceTransformerEmbedder(str(st), batch_size=2)
    fast = SentenceTransformerEmbedder(
        str(st),
        query_prompt="query: ",
        passage_prompt="passage: ",
        batch_size=2,
        query_encoder=OnnxQueryEncoder(st, graph),
    )
    assert (fast.dim, fast.max_seq_length, fast.query_backend) == (32, 64, "onnx")
    got, want = fast.encode_queries(queries), reference.encode_queries(queries)
    assert got.shape == (4, 32) and got.dtype == np.float32
    assert (got * want).sum(axis=1).min() >= 0.9999
    assert fast._model is None, "queries alone must not load the torch model"
    passages = queries[:2]
    np.testing.assert_allclose(fast.encode_passages(passages), reference.encode_passages(passages), atol=1e-5)
    assert fast.encode_queries([]).shape == (0, 32)

    int8 = OnnxQueryEncoder(st, quantize_query_onnx(graph, tmp_path / "int8.onnx"), backend="onnx-int8")
    q8 = int8.encode(queries)
    np.testing.assert_allclose(np.linalg.norm(q8, axis=1), 1.0, atol=1e-5)
    # A random 1-layer model quantises worse than a trained one (e5: >= 0.98, test_e5model).
    assert (q8 * want).sum(axis=1).min() >= 0.9


def test_onnx_export_refuses_other_pooling(tmp_path: Path) -> None:
    from index.onnx_query import UnsupportedForOnnx, export_query_onnx

    with pytest.raises(UnsupportedForOnnx, match="mean"):
        export_query_onnx(_tiny_st(tmp_path, pooling="cls"))
