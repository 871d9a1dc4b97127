"""Commitments ("5 rõ") and targets extracted from documents.

A *commitment* (nhiệm vụ) is one task a document assigns, as a "5 rõ" record:

* **rõ việc** — the task, verbatim;
* **rõ người** — the lead agency (*cơ quan chủ trì*), normalised to a canonical agency;
* **rõ trách nhiệm** — partner agencies (*cơ quan phối hợp*) and reporting duties;
* **rõ thời gian** — the deadline as written and normalised (:mod:`ingest.tasks.deadlines`);
* **rõ kết quả** — the expected output: a product type or a target figure.

A *target* (chỉ tiêu) is an indicator with a value, unit and year. Extraction is a pure
function of a :class:`~ingest.models.Document` (:func:`ingest.tasks.extract.extract_document`);
records are persisted beside the store by :func:`ingest.tasks.persist.ensure_extracted`.
"""
