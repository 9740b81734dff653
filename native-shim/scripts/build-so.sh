#!/bin/sh
# Builds libprealert.so with nothing but a C compiler, on the workstation's own architecture: UOS and Kylin run on
# arm64 (Kunpeng, Phytium) and LoongArch (Loongson) as well as x86-64, and only the x86-64 .so is built here.
#   sh native-shim/scripts/build-so.sh [output-dir]        (default: native-shim/build/linux-<uname -m>)
#   CC=clang sh native-shim/scripts/build-so.sh            (any C11 compiler that takes gcc's flags; default cc)
# scripts/build.mjs calls this script for the x86-64 .so the tests load, so both builds use the same flags.
set -eu
shim_dir=$(cd "$(dirname "$0")/.." && pwd)
out_dir=${1:-"$shim_dir/build/linux-$(uname -m)"}
# The build's identity, compiled into prealert_version(): the one the sidecar of this checkout names itself by,
# 0.1.0+<commit>.<day> or 0.1.0+$BUILD_ID (scripts/build-identity.mjs, asked through Node when there is one); without
# Node, or outside a checkout without BUILD_ID, the package version alone. PREALERT_VERSION set: used as it is.
version=${PREALERT_VERSION:-}
if [ -z "$version" ]; then
  version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$shim_dir/package.json" | head -n 1)
  # The folder above native-shim as the file system has it (pwd -P): where native-shim/ is a link, as in an example
  # copied beside it, Node would read "native-shim/.." by the text of the path and miss the script.
  identity_script="$(cd "$shim_dir/.." && pwd -P)/scripts/build-identity.mjs"
  if [ -f "$identity_script" ] && command -v node >/dev/null 2>&1; then
    version=$(node --input-type=module -e '
      const [script, version, dir] = process.argv.slice(1);
      const { pathToFileURL } = await import("node:url");
      try {
        const { buildIdentity } = await import(pathToFileURL(script).href);
        console.log(buildIdentity(version, dir));
      } catch (error) {
        console.error(`build-so.sh: ${error.message}`);
        process.exit(1);
      }' "$identity_script" "$version" "$shim_dir")
  fi
fi
mkdir -p "$out_dir"
# -fvisibility=hidden: only the five PREALERT_API functions are exported. -z defs: an unresolved symbol fails here,
# not in the HIS. -z nodelete: dlclose never unloads it, so a HIS that loads the shim around every call keeps its
# breaker and settings (src/module_pin.h).
${CC:-cc} -O2 -Wall -Wextra -Wpedantic -std=c11 "-DPREALERT_VERSION=\"$version\"" \
  -fPIC -shared -fvisibility=hidden -Wl,-z,defs -Wl,-z,nodelete -Wl,-soname,libprealert.so \
  -o "$out_dir/libprealert.so" "$shim_dir"/src/*.c -pthread -ldl
echo "built $out_dir/libprealert.so ($version)"
