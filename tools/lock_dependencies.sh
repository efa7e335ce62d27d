#!/usr/bin/env bash
# Regenerates requirements.lock from requirements.in.
# Rasa 3.6's dependency ranges are loose; resolving them against today's registry pulls
# releases Rasa 3.6 never ran with. --exclude-newer resolves as of shortly after Rasa 3.6.21
# was released, so the lock matches what that release was tested against. Playwright (and the
# two packages it needs new versions of) is resolved as of its own pin, to match Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
tools=.venv-tools
[ -x "$tools/bin/uv" ] || { python3 -m venv "$tools" && "$tools/bin/pip" install -q "uv==$UV_VERSION"; }
"$tools/bin/uv" pip compile requirements.in \
  --python-version 3.10 --python-platform x86_64-manylinux_2_28 \
  --exclude-newer 2025-01-15 \
  --exclude-newer-package playwright=2026-11-01 \
  --exclude-newer-package greenlet=2026-11-01 \
  --exclude-newer-package pyee=2026-11-01 \
  --generate-hashes --no-header --output-file requirements.lock
echo "requirements.lock regenerated; run 'make test' before committing it."
