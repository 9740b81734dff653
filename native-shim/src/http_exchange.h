/* One HTTP/1.0 POST to the sidecar and its response, within one deadline. HTTP/1.0 with
   "Connection: close" means the body ends at Content-Length or at close: no chunked decoding. */
#ifndef PREALERT_HTTP_EXCHANGE_H
#define PREALERT_HTTP_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint16_t port;
  const char *infno;        /* validated: 1-8 ASCII letters or digits */
  const char *charset;      /* "utf-8", "gb18030" or "utf-16le" */
  const char *token;        /* "" when none; validated printable ASCII */
  const void *body;
  size_t body_length;
  int64_t connect_deadline_ms;
  int64_t deadline_ms;
  int timeout_ms; /* the configured budget deadline_ms was computed from; reported on a timeout */
  /* The response body goes straight into the caller's buffer, never past body_capacity bytes; the
     same number is announced as X-Out-Capacity so the sidecar can make its answer fit. */
  unsigned char *response;
  size_t response_capacity;
} exchange_request;

typedef enum {
  EXCHANGE_ANSWERED,     /* a 200/400/422 answer with a body; response_length is set */
  EXCHANGE_UNREACHABLE,  /* could not connect: detail is the OS error, or CONNECT_DEADLINE_PASSED */
  EXCHANGE_TIMEOUT,      /* connected, but the answer did not arrive in time: detail is timeout_ms */
  EXCHANGE_BAD_RESPONSE, /* not an answer to hand on: detail is the HTTP status, minus the OS error, or 0 */
  EXCHANGE_TOO_LARGE     /* the body does not fit: detail is the body size when announced, else 0 */
} exchange_outcome;

/* The detail of an EXCHANGE_UNREACHABLE whose connect was still pending at its deadline: no OS error says why. */
#define CONNECT_DEADLINE_PASSED (-1L)

typedef struct {
  exchange_outcome outcome;
  long detail;
  /* EXCHANGE_UNREACHABLE only: 1 when the OS said the sidecar is not there (refused, reset while connecting, no
     route), 0 when the connect failed for a reason of this side's (its deadline, no free socket or port). */
  int refused;
  int http_status;
  size_t response_length;
} exchange_result;

void http_exchange(const exchange_request *request, exchange_result *result);

#endif
