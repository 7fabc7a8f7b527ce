#!/usr/bin/env bash
# The portal's browser tests drive Debian's Chromium (/usr/bin/chromium) with a CJK font.
# Installs both when missing and we are root; otherwise says why the browser tests will skip.
# Playwright's own browser downloads are never used.
set -uo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium and fonts-noto-cjk for the portal's browser tests" >&2
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; then
    exit 0
  fi
  echo "could not install chromium: the portal's browser tests will be skipped" >&2
else
  echo "no /usr/bin/chromium and not root (or no apt-get): the portal's browser tests will be skipped" >&2
fi
exit 0
