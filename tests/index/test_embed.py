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


def test_sentence_transformer_embedder_takes_prompts_from_model(tmp_path: Path) -> None:
    # A tiny randomly initialised BERT saved locally (no hub): checks prompt resolution
    # and output shape, not quality.
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel

    from index import e5model

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
        modules=[Transformer(str(hf)), Pooling(32, "mean"), Normalize()],
        prompts={"query": "query: ", "passage": "passage: "},
    ).save(str(tmp_path / "st"))

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
