/* Version and platform tag. PREALERT_VERSION is the build's identity, `0.1.0+<commit>.<day>` or `0.1.0+<BUILD_ID>`
   (scripts/build-identity.mjs, the same the sidecar of the checkout names itself by), or the package version alone
   when built from a tree without git and without BUILD_ID; the build scripts pass it. */
#ifndef PREALERT_VERSION_H
#define PREALERT_VERSION_H

#ifndef PREALERT_VERSION
#  define PREALERT_VERSION "0.0.0-dev"
#endif

/* Protocol between shim and sidecar: route, headers and fail-open envelope. */
#define PREALERT_PROTOCOL "1"

#if defined(_WIN32) && defined(_WIN64)
#  define PREALERT_PLATFORM "win-x64"
#elif defined(_WIN32)
#  define PREALERT_PLATFORM "win-x86"
#elif defined(__x86_64__)
#  define PREALERT_PLATFORM "linux-x64"
#elif defined(__aarch64__)
#  define PREALERT_PLATFORM "linux-arm64"
#elif defined(__loongarch64)
#  define PREALERT_PLATFORM "linux-loong64"
#elif defined(__mips__)
#  define PREALERT_PLATFORM "linux-mips64el"
#else
#  define PREALERT_PLATFORM "unix"
#endif

#endif
