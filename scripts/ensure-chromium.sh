#!/usr/bin/env bash
# The browser tests drive Debian's chromium through Playwright (Playwright's own browser download is
# never used: it needs a host outside the package registries). Installs chromium when it is missing
# and this user can; otherwise says how, and the browser tests skip (they fail under CI=true).
set -euo pipefail
if [ -n "${TRADEWINDS_TEST_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi
fi
if command -v apt-get >/dev/null 2>&1 && [ "$SUDO" != none ]; then
  echo "installing chromium for the browser tests (apt-get)..." >&2
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
else
  echo "chromium is not installed and cannot be installed here: the browser tests will skip." >&2
  echo "fix: install it (Debian/Ubuntu: apt-get install chromium) or set TRADEWINDS_TEST_CHROMIUM=/path/to/chromium" >&2
fi
