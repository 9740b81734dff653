/* The two envelopes the shim writes itself (fail-open and caller error) and the sanity check on the
   sidecar's answer. All are pure ASCII, so they are valid UTF-8, GB18030 and (widened) UTF-16. */
#ifndef PREALERT_ENVELOPE_TEXT_H
#define PREALERT_ENVELOPE_TEXT_H

#include <stddef.h>

/* Longest text either writer produces, NUL included; PREALERT_MIN_CAPACITY is above it. */
#define ENVELOPE_TEXT_MAX 200

typedef enum {
  FAILOPEN_SIDECAR_UNREACHABLE,
  FAILOPEN_SIDECAR_TIMEOUT,
  FAILOPEN_BREAKER_OPEN,
  FAILOPEN_BAD_RESPONSE,
  FAILOPEN_RESPONSE_TOO_LARGE,
  FAILOPEN_SIDECAR_ERROR
} failopen_reason;

/* The reason as the envelope and the log name it: "sidecar_unreachable", "sidecar_timeout", … */
const char *failopen_reason_name(failopen_reason reason);

/* {"infcode":0,"err_msg":"","output":{"result":[]},"shim":{"failopen":true,"reason":"…","code":N}}, with
   ,"spooled":true after the code when the request was kept for the sidecar to replay. */
size_t failopen_envelope(char *text, size_t capacity, failopen_reason reason, long code, int spooled);

/* {"infcode":-1,"err_msg":"<message>","output":{"result":[]},"shim":{"failopen":false,"reason":"caller_error","code":N}}
   message must be ASCII without quotes or backslashes. */
size_t caller_error_envelope(char *text, size_t capacity, const char *message, int code);

/* Whether a body in unit_size-byte little-endian code units looks like a JSON object that carries
   "infcode": enough to tell a national envelope from an HTML error page or a truncated body. */
int looks_like_envelope(const unsigned char *body, size_t length, size_t unit_size);

/* Whether an envelope carries the sidecar's "prealert_retry":true: a failure of the sidecar's own that passes
   (its database locked or full for a moment, its analysis thread restarting), where the same request sent
   later may well be accepted. */
int carries_retry_mark(const unsigned char *body, size_t length, size_t unit_size);

#endif
