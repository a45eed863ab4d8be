#!/usr/bin/env bash
# Make sure Debian's Chromium (driven by Playwright's Python package, never a downloaded browser)
# and a Japanese font for its screenshots are installed (needs root or passwordless sudo), and
# axe-core (the accessibility checker the browser tests inject) under .cache/node. Idempotent:
# a second run installs nothing.
set -uo pipefail
cd "$(dirname "$0")/.."

AXE=.cache/node/node_modules/axe-core/axe.min.js
if [ ! -s "$AXE" ]; then
  if command -v npm >/dev/null 2>&1; then
    npm install --prefix .cache/node --no-save --no-audit --no-fund --loglevel=error axe-core@4 >/dev/null \
      || echo "warning: could not install axe-core; the accessibility checks will skip" >&2
  else
    echo "warning: npm not found; the accessibility checks will skip" >&2
  fi
fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
  || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q "${missing[@]}" >/dev/null; } \
  || echo "warning: could not install ${missing[*]}; browser tests will skip (or fail under BREACHDESK_REQUIRE_BROWSER=1)" >&2
