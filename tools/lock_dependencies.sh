#!/usr/bin/env bash
# Regenerates the locks in requirements/ from their .in files, each with hashes:
#   bootstrap.lock     uv only, which `make setup` installs with pip and then installs development.lock with
#   development.lock   both servers + tools and tests (`make setup` installs it into .venv)
#   rasa-server.lock   the Rasa server only (deploy/Dockerfile.rasa)
#   action-server.lock the action server only: rasa-sdk, no Rasa, no TensorFlow (deploy/Dockerfile.actions)
#   studio.lock        the content studio: the Rasa server's packages and textstat (deploy/Dockerfile.studio)
# development.lock is resolved first; the server locks are resolved with it as constraints, so a
# package they share has the same version in all three (the tests run what production runs).
# Rasa 3.6's dependency ranges are loose; resolving them against today's registry pulls
# releases Rasa 3.6 never ran with. --exclude-newer resolves as of shortly after Rasa 3.6.21
# was released, so the locks match what that release was tested against. Playwright (and the
# two packages it needs new versions of) is resolved as of its own pin, to match Debian's Chromium;
# the development tools' own dependencies (rich: markdown-it-py, pygments; mypy: mypy-extensions),
# which no server imports, as of the tools' adoption.
set -euo pipefail
cd "$(dirname "$0")/.."
# the uv that make setup installs with (requirements/bootstrap.in) also resolves the locks
UV_VERSION=$(sed -n 's/^uv==//p' requirements/bootstrap.in)
tools=.venv-tools
[ -x "$tools/bin/uv" ] || python3 -m venv "$tools"
"$tools/bin/uv" --version 2>/dev/null | grep -qF "uv $UV_VERSION" || "$tools/bin/pip" install -q "uv==$UV_VERSION"
compile() {
  "$tools/bin/uv" pip compile "$@" \
    --python-version 3.10 --python-platform x86_64-manylinux_2_28 \
    --exclude-newer 2025-01-15 \
    --exclude-newer-package playwright=2026-11-01 \
    --exclude-newer-package greenlet=2026-11-01 \
    --exclude-newer-package pyee=2026-11-01 \
    --exclude-newer-package markdown-it-py=2026-11-15 \
    --exclude-newer-package pygments=2026-11-15 \
    --exclude-newer-package mypy-extensions=2026-11-15 \
    --generate-hashes --no-header --quiet
}
compile requirements/bootstrap.in --output-file requirements/bootstrap.lock
compile requirements/development.in --output-file requirements/development.lock
compile requirements/rasa-server.in -c requirements/development.lock --output-file requirements/rasa-server.lock
compile requirements/action-server.in -c requirements/development.lock --output-file requirements/action-server.lock
compile requirements/studio.in -c requirements/development.lock --output-file requirements/studio.lock
echo "requirements/*.lock regenerated; run 'make test' before committing them."
