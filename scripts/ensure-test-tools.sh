#!/usr/bin/env bash
# What the test suite drives besides Python: Debian's chromium (browser tests, through Playwright; Playwright's
# own browser download is never used) and Debian's postgresql binaries (the tests start a throwaway server,
# tests/postgres_server.py). Installs what is missing when this user can; otherwise says how, and those tests
# skip (they fail under CI=true). TRADEWINDS_TEST_CHROMIUM / TRADEWINDS_TEST_POSTGRES_URL point at your own.
set -euo pipefail

have_chromium() { [ -n "${TRADEWINDS_TEST_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }
have_postgres() { [ -n "${TRADEWINDS_TEST_POSTGRES_URL:-}" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; }

missing=()
have_chromium || missing+=(chromium fonts-noto-cjk)
have_postgres || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi
fi
if command -v apt-get >/dev/null 2>&1 && [ "$SUDO" != none ]; then
  echo "installing ${missing[*]} for the browser and database tests (apt-get)..." >&2
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "${missing[*]} not installed and cannot be installed here: the tests that need them will skip." >&2
  echo "fix: apt-get install ${missing[*]}, or set TRADEWINDS_TEST_CHROMIUM / TRADEWINDS_TEST_POSTGRES_URL" >&2
fi
