#!/usr/bin/env bash
# The 32-bit lane for the x86 (__stdcall) prealert.dll: Debian's wine64 cannot run 32-bit programs and
# wine32 cannot be installed next to it through i386 multiarch here (version skew between the amd64
# and i386 security indices), so wine32 lives in an isolated i386 chroot made with debootstrap.
#
#   wine32-chroot.sh ensure                 create the chroot if missing (root; ~2 min, ~1.5 GB)
#   wine32-chroot.sh status                 print READY or MISSING
#   wine32-chroot.sh run BUILD WORK -- PROGRAM ARGS...
#       run a Windows program with 32-bit wine; BUILD (native-shim/build) is visible as Z:\prealert\build
#       and WORK as Z:\prealert\work. PREALERT_PORT is passed through.
#
# Never fails its caller for lack of the chroot: it prints "SKIPPED: ..." with the reason and exits 0
# (ensure) or 3 (run), so the test can say why it skipped.
set -u

root="${PREALERT_WINE32_ROOT:-/var/cache/prealert/wine32-bookworm-i386}"
ready="$root/.prealert-wine32-ready"
mirror="${PREALERT_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

ensure() {
  if [ -f "$ready" ]; then
    echo "wine32-chroot: OK ($root)"
    return 0
  fi
  if [ "$(id -u)" != "0" ]; then
    echo "wine32-chroot: SKIPPED: not root, cannot debootstrap $root"
    return 0
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >/dev/null 2>&1; then
      echo "wine32-chroot: SKIPPED: apt-get install debootstrap failed"
      return 0
    fi
  fi
  local log
  log="$(mktemp -t wine32-chroot.XXXXXX.log)"
  echo "wine32-chroot: creating $root (log: $log)"
  if [ ! -f "$root/.prealert-debootstrap-done" ]; then
    rm -rf "$root"
    mkdir -p "$(dirname "$root")"
    if ! debootstrap --arch=i386 --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1; then
      echo "wine32-chroot: SKIPPED: debootstrap failed; last lines:"
      tail -n 5 "$log"
      rm -rf "$root"
      return 0
    fi
    touch "$root/.prealert-debootstrap-done"
  fi
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
  mount -t proc proc "$root/proc"
  mount --bind /dev "$root/dev"
  local status=0
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update && apt-get install -y --no-install-recommends wine wine32' >>"$log" 2>&1 || status=$?
  local version
  version="$(chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin /usr/bin/wine --version 2>/dev/null)"
  umount "$root/dev" "$root/proc"
  if [ "$status" != "0" ]; then
    echo "wine32-chroot: SKIPPED: installing wine32 in the chroot failed; last lines:"
    tail -n 5 "$log"
    return 0
  fi
  touch "$ready"
  echo "wine32-chroot: OK ($version)"
}

run_here=""

# rmdir, never rm -rf: if an unmount failed, a bind mount must not lead to deleting the host's files.
cleanup_run() {
  [ -n "$run_here" ] || return 0
  umount "$run_here/work" "$run_here/build" 2>/dev/null
  umount "$root/dev" "$root/proc" 2>/dev/null
  rmdir "$run_here/work" "$run_here/build" "$run_here" 2>/dev/null
  rm -rf "$root/tmp/wine32-prefix-$$"
}

run() {
  if [ ! -f "$ready" ]; then
    echo "SKIPPED: no wine32 chroot at $root (run: native-shim/scripts/wine32-chroot.sh ensure)"
    return 3
  fi
  if [ "$(id -u)" != "0" ]; then
    echo "SKIPPED: running the wine32 chroot needs root (chroot, mount)"
    return 3
  fi
  local build="$1" work="$2"
  shift 2
  [ "${1:-}" = "--" ] && shift
  # One mount point per run, so concurrent runs never unmount each other's.
  run_here="$root/prealert/run-$$"
  trap cleanup_run EXIT
  mkdir -p "$run_here/build" "$run_here/work"
  mount -t proc proc "$root/proc"
  mount --bind /dev "$root/dev"
  mount --bind "$build" "$run_here/build"
  mount --bind "$work" "$run_here/work"
  # PROGRAM and ARGS write @RUN@ for the Windows form of /prealert/run-PID, so the caller need not know the PID.
  local args=() run_dir="\\prealert\\run-$$"
  for a in "$@"; do args+=("${a//@RUN@/$run_dir}"); done
  chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root WINEPREFIX="/tmp/wine32-prefix-$$" \
    WINEDEBUG=-all DISPLAY= PREALERT_PORT="${PREALERT_PORT:-}" /usr/bin/wine "${args[@]}"
  local status=$?
  chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin WINEPREFIX="/tmp/wine32-prefix-$$" /usr/bin/wineserver -k 2>/dev/null
  return $status
}

case "${1:-}" in
  ensure) ensure ;;
  status) if [ -f "$ready" ]; then echo READY; else echo MISSING; fi ;;
  run)
    shift
    run "$@"
    exit $?
    ;;
  *)
    echo "usage: $0 ensure | status | run BUILD WORK -- PROGRAM ARGS..." >&2
    exit 2
    ;;
esac
