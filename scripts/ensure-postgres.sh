#!/usr/bin/env bash
# The PostgreSQL tests start a throwaway server from Debian's postgresql binaries (tests/postgres_server.py).
# Installs them when missing and this user can; otherwise says how, and those tests skip (they fail under CI=true).
set -euo pipefail
if [ -n "${TRADEWINDS_TEST_POSTGRES_URL:-}" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi
fi
if command -v apt-get >/dev/null 2>&1 && [ "$SUDO" != none ]; then
  echo "installing postgresql for the database tests (apt-get)..." >&2
  $SUDO apt-get update -qq
  # the package's own cluster is not needed: the tests make their own
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
else
  echo "PostgreSQL is not installed and cannot be installed here: the PostgreSQL tests will skip." >&2
  echo "fix: install it (Debian/Ubuntu: apt-get install postgresql) or set TRADEWINDS_TEST_POSTGRES_URL" >&2
fi
