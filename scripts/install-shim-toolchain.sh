#!/usr/bin/env bash
# Installs what the native shim's Windows lanes need, when missing and when root:
#   1. Debian's mingw-w64 cross compilers (both DLLs), wine64 (runs the x64 DLL's tests) and the locale
#      sources (a zh_CN.UTF-8 locale compiled by the tests gives wine a Chinese ANSI code page);
#   2. wine32 in an i386 debootstrap chroot (runs the x86 __stdcall DLL's tests), because wine32
#      cannot be installed next to wine64 through i386 multiarch on this Debian (native-shim/README.md).
#      About 2 minutes and 1.2 GB the first time; PREALERT_SKIP_WINE32=1 leaves it out.
# Idempotent, and never fails its caller: a machine without these still builds and tests the Linux
# shim, and the tests print SKIPPED with the reason.
set -u

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packages=(gcc-mingw-w64-i686 gcc-mingw-w64-x86-64 wine wine64 locales)

have_all() {
  command -v i686-w64-mingw32-gcc >/dev/null 2>&1 &&
    command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 &&
    [ -x /usr/lib/wine/wine64 ] &&
    command -v localedef >/dev/null 2>&1 && [ -e /usr/share/i18n/locales/zh_CN ]
}

install_packages() {
  if have_all; then
    echo "install-shim-toolchain: OK (mingw-w64 i686 + x86_64, wine64 and the locale sources already present)"
    return 0
  fi
  if [ "$(id -u)" != "0" ]; then
    echo "install-shim-toolchain: SKIPPED: not root, cannot apt-get install ${packages[*]}"
    return 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-shim-toolchain: SKIPPED: no apt-get on this machine (need ${packages[*]})"
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  local log
  log="$(mktemp -t shim-toolchain.XXXXXX.log)"
  echo "install-shim-toolchain: installing ${packages[*]} (log: $log)"
  if ! apt-get update >"$log" 2>&1; then
    echo "install-shim-toolchain: SKIPPED: apt-get update failed; last lines:"
    tail -n 5 "$log"
    return 1
  fi
  if ! apt-get install -y --no-install-recommends "${packages[@]}" >>"$log" 2>&1; then
    echo "install-shim-toolchain: SKIPPED: apt-get install failed; last lines:"
    tail -n 5 "$log"
    return 1
  fi
  if have_all; then
    echo "install-shim-toolchain: OK ($(x86_64-w64-mingw32-gcc -dumpversion), $(/usr/lib/wine/wine64 --version 2>/dev/null))"
  else
    echo "install-shim-toolchain: SKIPPED: packages installed but a tool is still missing"
    return 1
  fi
}

install_packages
if [ "${PREALERT_SKIP_WINE32:-}" = "1" ]; then
  echo "install-shim-toolchain: wine32 chroot SKIPPED: PREALERT_SKIP_WINE32=1"
else
  bash "$repo/native-shim/scripts/wine32-chroot.sh" ensure
fi
exit 0
