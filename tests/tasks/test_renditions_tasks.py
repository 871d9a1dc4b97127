"""Acceptance 1 on renditions: the task table of 03/NQ-CP read from DOCX and PDF made by us.

The Markdown of the shared corpus is rendered the way tests/ingest/test_renditions.py does
(pandoc ``-f markdown-fancy_lists-smart-yaml_metadata_block`` → DOCX; LibreOffice headless
DOCX → PDF), each rendition is ingested alone into a fresh home and its appendix II rows are
scored against eval/gold/commitments.jsonl with the scorer of ``nqdoc eval tasks``
(``nqdoc eval tasks --rendition docx|pdf`` runs the same thing).

Known rendition caveat (not asserted here): pandoc gives the 3-dash "TT" column of appendix I
a near-zero width, so in the PDF that indicator table no longer reads as rows.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from eval.tasks_eval import RENDITION_SOURCE, evaluate_rendition

needs_tools = pytest.mark.skipif(
    shutil.which("pandoc") is None or shutil.which("soffice") is None,
    reason="pandoc and LibreOffice (soffice) are needed to make renditions; `make install` installs them",
)


def _key(err: dict) -> tuple[str, tuple[str, ...]]:
    return err["provision_id"], tuple(err.get("wrong") or [err.get("error", "")])


@needs_tools
@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_task_table_on_renditions(fmt: str, corpus: Path, tmp_path: Path, output_dir: Path) -> None:
    md = corpus / RENDITION_SOURCE
    got = evaluate_rendition(md, fmt, tmp_path / fmt)
    ref = evaluate_rendition(md, "md", tmp_path / "md")
    (output_dir / f"eval-tasks-rendition-{fmt}.json").write_text(
        json.dumps(got, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    assert got["doc_ids"] == ["03/NQ-CP"]
    t = got["tables"]
    assert t["n_gold"] == 140
    assert t["f1"] >= 0.98, t["errors"][:5]
    assert min(t["field_accuracy"].values()) >= 0.97, t["field_accuracy"]
    # The rendition loses nothing the Markdown had: same rows matched, no new field error.
    assert t["tp"] == ref["tables"]["tp"]
    new = {_key(e) for e in t["errors"]} - {_key(e) for e in ref["tables"]["errors"]}
    assert new == set(), sorted(new)[:5]
