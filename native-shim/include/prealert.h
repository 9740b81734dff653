/*
 * prealert.h — C ABI of the prealert native shim.
 *
 * The shim forwards a national 3101/3102/3103 request to the prealert sidecar on this workstation
 * (HTTP on 127.0.0.1) and copies the sidecar's national response envelope into a buffer the caller
 * owns. It never blocks prescribing: whatever goes wrong, it answers within its deadline, and when
 * the sidecar could not answer it writes a valid "fail-open" envelope (infcode 0, empty result) so a
 * HIS that ignores return codes proceeds as if there were no warnings.
 *
 * On 32-bit Windows every export is __stdcall (WINAPI) and exported undecorated, as PowerBuilder,
 * VB6 and Delphi expect. On x64 Windows and on Linux the platform's default C convention applies.
 */
#ifndef PREALERT_H
#define PREALERT_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  include <wchar.h>
#  define PREALERT_CALL __stdcall
#  if defined(PREALERT_BUILDING)
#    define PREALERT_API __declspec(dllexport)
#  else
#    define PREALERT_API __declspec(dllimport)
#  endif
typedef wchar_t prealert_char16;
#else
#  define PREALERT_CALL
#  if defined(PREALERT_BUILDING)
#    define PREALERT_API __attribute__((visibility("default")))
#  else
#    define PREALERT_API
#  endif
/* UTF-16 code units on every platform (wchar_t is 32-bit outside Windows: use char16_t or uint16_t there). */
typedef unsigned short prealert_char16;
#endif

/* Return codes. Any value other than PREALERT_OK means "proceed as if there were no warnings". */
#define PREALERT_OK 0                /* the sidecar answered; output holds its response envelope */
#define PREALERT_FAILOPEN 1          /* output holds the fail-open envelope, with the reason */
#define PREALERT_E_NULL_ARGUMENT (-1) /* infno, input or output is NULL */
#define PREALERT_E_CAPACITY (-2)      /* output_capacity < PREALERT_MIN_CAPACITY */
#define PREALERT_E_INFNO (-3)         /* infno is not 1-8 ASCII letters or digits */
#define PREALERT_E_OPTION (-4)        /* prealert_set_option: unknown name or invalid value */

/* The smallest output buffer accepted (bytes for the 8-bit flavours, UTF-16 units for _w):
   enough for the longest fail-open envelope. Recommended: 65536. */
#define PREALERT_MIN_CAPACITY 256

/*
 * Calls national interface `infno` ("3101", "3102", "3103") through the sidecar.
 *   input            the full national request envelope, or only its "input" object, as UTF-8 JSON
 *   output           caller-owned buffer, always NUL-terminated on return (unless output is NULL)
 *   output_capacity  size of output in bytes, including the NUL; the shim never writes past it
 * Returns PREALERT_OK, PREALERT_FAILOPEN or a negative PREALERT_E_* code.
 */
PREALERT_API int PREALERT_CALL prealert_call(const char *infno, const char *input_utf8, char *output,
                                             int output_capacity);

/* Same, with input and output in GB18030 (a superset of GBK, so every GBK string is valid input and
   rare characters such as U+20000 round-trip). This is the "ANSI" entry point for Chinese Windows. */
PREALERT_API int PREALERT_CALL prealert_call_gbk(const char *infno, const char *input_gbk, char *output,
                                                 int output_capacity);

/* Same, with UTF-16LE strings; output_capacity counts UTF-16 code units, including the NUL. Declare it with
   prealert_char16, never with wchar_t outside Windows: there wchar_t is 32-bit, and L"3101" arrives as infno "3"
   (use char16_t / u"3101" or uint16_t arrays; from Java, not JNA's WString). */
PREALERT_API int PREALERT_CALL prealert_call_w(const prealert_char16 *infno, const prealert_char16 *input,
                                               prealert_char16 *output, int output_capacity);

/* A static string such as "prealert-shim 0.1.0 proto=1 win-x86"; never NULL, never freed. */
PREALERT_API const char *PREALERT_CALL prealert_version(void);

/*
 * Sets an option for this process; it overrides environment variables and prealert.ini.
 *   port                 sidecar port on 127.0.0.1 (1-65535)
 *   connect_timeout_ms   connect deadline (default 150)
 *   timeout_ms           whole-call deadline for every interface (defaults 1500; 800 for 3103)
 *   timeout_ms_3101 / timeout_ms_3102 / timeout_ms_3103 / timeout_ms_other   one interface only
 *   token                value sent as X-Prealert-Token ("" for none)
 *   token_file           file whose first line is that token
 *   data_dir             directory holding the sidecar's "port" file (default: per-OS data dir)
 *   breaker_open_ms      how long calls fail open at once after a connect failure (default 5000)
 *   breaker_timeouts     consecutive timeouts that open the breaker (default 3)
 *   breaker_timeout_open_ms  how long it then stays open (default 10000)
 *   spool_dir            where a 3103 that failed open is kept for the sidecar (default <data_dir>/spool; the
 *                        sidecar replays only that folder). A data_dir too long to hold <data_dir>/spool (over 940
 *                        bytes on Linux, 195 UTF-16 units on Windows) is refused while no spool_dir is set, and ""
 *                        beside one: set spool_dir first.
 *   spool_max_bytes      stop spooling once the spool holds this much (default 5242880; "0" turns spooling off)
 *   log                  absolute path of the diagnostics file ("" off, the default): one line per call that
 *                        failed open (time, infno, reason, code, ms, port) and per setting the shim could not
 *                        use (ini line, name); never a request or response body. Writing it never delays or
 *                        fails a call. Also settable as `log` in prealert.ini or PREALERT_SHIM_LOG.
 *   log_max_bytes        past this the file is renamed to <log>.1 and a new one begun (default 1048576, >= 4096)
 *   breaker              "reset" closes the breaker now
 *   reset                "all" forgets every set_option and re-reads environment and prealert.ini
 * Every deadline is capped at 5000 ms: a larger one (10000, as for the gateway) is set to 5000. Returns PREALERT_OK or PREALERT_E_OPTION / PREALERT_E_NULL_ARGUMENT.
 */
PREALERT_API int PREALERT_CALL prealert_set_option(const char *name, const char *value);

#ifdef __cplusplus
}

#if __cplusplus >= 201103L && !defined(_WIN32)
/* In C++ u"3101" is const char16_t *, a type of its own that does not convert to prealert_char16 (unsigned short).
   prealert_call_u16 takes it and calls the same export (same size and representation). It has a name of its own, not
   an overload of prealert_call_w: an overload set breaks `decltype(&prealert_call_w)` and `auto f = prealert_call_w`,
   which dlsym-style callers write. */
inline int prealert_call_u16(const char16_t *infno, const char16_t *input, char16_t *output, int output_capacity) {
  return prealert_call_w(reinterpret_cast<const prealert_char16 *>(infno),
                         reinterpret_cast<const prealert_char16 *>(input),
                         reinterpret_cast<prealert_char16 *>(output), output_capacity);
}
#endif
#endif

#endif /* PREALERT_H */
