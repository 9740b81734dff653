#!/usr/bin/env bash
# Debian packages the full test suite uses: Chromium for the browser tests, mingw-w64 and wine64 for the
# Windows DLLs of the native shim. Each installer is idempotent and says SKIPPED (with the reason) instead of
# failing when it cannot install; the tests that need a missing tool then report themselves skipped.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
for installer in install-browser.sh install-shim-toolchain.sh; do
  if [ -f "$here/$installer" ]; then
    bash "$here/$installer"
  fi
done
