#!/bin/sh
# Installs what the browser end-to-end tests need on Debian/UOS/Kylin CI machines: Debian's Chromium
# (driven by playwright-core with executablePath /usr/bin/chromium) and a CJK font so screenshots of the
# Chinese UI are readable. Idempotent; does nothing when both are present.
set -eu

need=""
[ -x /usr/bin/chromium ] || need="chromium"
if ! fc-list 2>/dev/null | grep -qi -e "WenQuanYi" -e "Noto Sans CJK" -e "Droid Sans Fallback"; then
  need="$need fonts-wqy-microhei"
fi

if [ -z "$need" ]; then
  echo "chromium and a CJK font are already installed: $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "missing:$need — run as root (or: sudo $0)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y --no-install-recommends $need
/usr/bin/chromium --version
