#!/usr/bin/env bash
# Installs the Debian packages that the end-to-end tests and benchmarks start for real.
# Idempotent: packages already present are left alone. Later issues append theirs to PACKAGES.
set -euo pipefail

PACKAGES=(
  postgresql-client   # psql, for the PostgreSQL store suite and its diagnostics
  sqlite3             # the sqlite3 shell, used to tamper with the audit trail in tests
  chromium            # the headless browser the UI tests drive through playwright-core
  wrk                 # external HTTP load generator for the API benchmark (peer of autocannon)
  fonts-noto-cjk      # Japanese glyphs, so browser screenshots of the ja UI show text, not boxes
  openssl             # makes the throw-away TLS certificates the feed-download tests serve with
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-test-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
