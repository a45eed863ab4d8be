#!/usr/bin/env bash
# Make sure Debian's Chromium (driven by Playwright's Python package, never a downloaded browser)
# and a Japanese font for its screenshots are installed. Needs root or passwordless sudo.
set -uo pipefail
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
