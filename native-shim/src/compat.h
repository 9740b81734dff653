/* Build settings shared by every translation unit of the shim: target Windows 7 on Windows and
   POSIX 2008 elsewhere, so the same sources build with gcc and both mingw-w64 compilers. */
#ifndef PREALERT_COMPAT_H
#define PREALERT_COMPAT_H

#if defined(_WIN32)
#  ifndef _WIN32_WINNT
#    define _WIN32_WINNT 0x0601
#  endif
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  ifndef NOMINMAX
#    define NOMINMAX
#  endif
#else
#  ifndef _GNU_SOURCE
#    define _GNU_SOURCE /* dladdr, MSG_NOSIGNAL, SOCK_CLOEXEC */
#  endif
#endif

#define PREALERT_BUILDING 1

#endif
