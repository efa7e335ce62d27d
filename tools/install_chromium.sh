#!/usr/bin/env bash
# Installs Debian's chromium for the browser test (tests/browser) when /usr/bin/chromium is missing.
# Playwright drives it with executable_path=/usr/bin/chromium; Playwright's own browser download is
# not used. Called by `make test-browser` (file target) and by tests/browser/conftest.py.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "/usr/bin/chromium is missing and there is no apt-get: install Chromium so that /usr/bin/chromium exists." >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian's chromium for the browser test (first run only)"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "apt-get installed chromium but /usr/bin/chromium is missing" >&2; exit 1; }
echo "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
