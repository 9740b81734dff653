#include "http_exchange.h"
#include "loopback_socket.h"
#include "version.h"

#include <stdio.h>
#include <string.h>

#define HEADER_LIMIT 8192

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int starts_with_ignoring_case(const char *text, const char *prefix) {
  for (; *prefix; ++text, ++prefix) {
    if (lower((unsigned char)*text) != lower((unsigned char)*prefix)) return 0;
  }
  return 1;
}

/* Finds a header's value in the NUL-terminated header block; returns NULL when absent. */
static const char *header_value(const char *headers, const char *name) {
  size_t name_length = strlen(name);
  const char *line = strstr(headers, "\r\n");
  while (line != NULL) {
    line += 2;
    if (starts_with_ignoring_case(line, name) && line[name_length] == ':') {
      const char *value = line + name_length + 1;
      while (*value == ' ' || *value == '\t') ++value;
      return value;
    }
    line = strstr(line, "\r\n");
  }
  return NULL;
}

#define TOO_MANY_DIGITS (-2)

/* -1 without digits; TOO_MANY_DIGITS past max_digits (at most 9, so a 32-bit long never overflows). */
static long parse_decimal(const char *text, int max_digits) {
  long value = 0;
  int digits = 0;
  while (*text >= '0' && *text <= '9') {
    if (++digits > max_digits) return TOO_MANY_DIGITS;
    value = value * 10 + (*text - '0');
    ++text;
  }
  return digits == 0 ? -1 : value;
}

static void fail(exchange_result *result, exchange_outcome outcome, long detail) {
  result->outcome = outcome;
  result->detail = detail;
}

/* A connect failure is "unreachable"; a deadline passing once connected is a timeout. The code is the
   configured budget, not a difference of clock readings: the deadline was fixed before the settings and
   port file were read, so a difference would report a few ms less than the integrator configured. */
static void fail_io(exchange_result *result, socket_status status, int os_error, const exchange_request *request) {
  if (status == SOCKET_TIMEOUT) {
    fail(result, EXCHANGE_TIMEOUT, (long)request->timeout_ms);
  } else {
    fail(result, EXCHANGE_BAD_RESPONSE, -(long)os_error); /* negative: an OS error, not an HTTP status */
  }
}

/* The build's identity as prealert_version() names it, so the sidecar's request log says which shim build called
   (a workstation may still run a DLL from an earlier roll-out). An argument, not part of the format: a
   PREALERT_VERSION given by hand to build-so.sh is used as it is. */
#define USER_AGENT "prealert-shim/" PREALERT_VERSION " (proto=" PREALERT_PROTOCOL "; " PREALERT_PLATFORM ")"

static int is_handed_on(int status) { return status == 200 || status == 400 || status == 422; }

void http_exchange(const exchange_request *request, exchange_result *result) {
  memset(result, 0, sizeof(*result));

  char head[1024];
  int head_length = snprintf(head, sizeof(head),
                             "POST /v1/yb/%s HTTP/1.0\r\n"
                             "Host: 127.0.0.1:%u\r\n"
                             "User-Agent: %s\r\n"
                             "Content-Type: application/json; charset=%s\r\n"
                             "Content-Length: %lu\r\n"
                             "X-Out-Capacity: %lu\r\n"
                             "%s%s%s"
                             "Connection: close\r\n\r\n",
                             request->infno, (unsigned)request->port, USER_AGENT, request->charset,
                             (unsigned long)request->body_length, (unsigned long)request->response_capacity,
                             request->token[0] ? "X-Prealert-Token: " : "", request->token,
                             request->token[0] ? "\r\n" : "");
  if (head_length <= 0 || head_length >= (int)sizeof(head)) {
    fail(result, EXCHANGE_BAD_RESPONSE, 0);
    return;
  }

  shim_socket s;
  int os_error = 0;
  int64_t connect_deadline =
      request->connect_deadline_ms < request->deadline_ms ? request->connect_deadline_ms : request->deadline_ms;
  socket_status status = loopback_connect(request->port, connect_deadline, &s, &os_error);
  if (status != SOCKET_DONE) {
    fail(result, EXCHANGE_UNREACHABLE, status == SOCKET_TIMEOUT ? CONNECT_DEADLINE_PASSED : os_error);
    result->refused = status == SOCKET_REFUSED;
    return;
  }

  status = loopback_send_all(s, head, (size_t)head_length, request->deadline_ms, &os_error);
  if (status == SOCKET_DONE) status = loopback_send_all(s, request->body, request->body_length, request->deadline_ms, &os_error);
  if (status == SOCKET_TIMEOUT) {
    loopback_close(s);
    fail_io(result, status, os_error, request);
    return;
  }
  /* A send error can mean the sidecar already answered (say, 413) and closed: read that answer. */

  char headers[HEADER_LIMIT + 1];
  size_t header_bytes = 0;
  char *body_start = NULL;
  while (body_start == NULL) {
    if (header_bytes == HEADER_LIMIT) {
      loopback_close(s);
      fail(result, EXCHANGE_BAD_RESPONSE, 0);
      return;
    }
    size_t got = 0;
    socket_status received =
        loopback_receive(s, headers + header_bytes, HEADER_LIMIT - header_bytes, request->deadline_ms, &got, &os_error);
    if (received != SOCKET_DONE) {
      loopback_close(s);
      fail_io(result, received, os_error, request);
      return;
    }
    if (got == 0) {
      loopback_close(s);
      fail(result, EXCHANGE_BAD_RESPONSE, status == SOCKET_DONE ? 0 : -(long)os_error);
      return;
    }
    header_bytes += got;
    headers[header_bytes] = '\0';
    char *end = strstr(headers, "\r\n\r\n");
    if (end != NULL) {
      end[2] = '\0'; /* keep the last header's CRLF so header_value sees every line terminated */
      body_start = end + 4;
    }
  }

  if (strncmp(headers, "HTTP/1.", 7) != 0 || headers[8] != ' ') {
    loopback_close(s);
    fail(result, EXCHANGE_BAD_RESPONSE, 0);
    return;
  }
  int http_status = (int)parse_decimal(headers + 9, 3);
  result->http_status = http_status;
  if (!is_handed_on(http_status)) {
    loopback_close(s);
    fail(result, EXCHANGE_BAD_RESPONSE, http_status);
    return;
  }
  const char *encoding = header_value(headers, "Transfer-Encoding");
  if (encoding != NULL && !starts_with_ignoring_case(encoding, "identity")) {
    loopback_close(s);
    fail(result, EXCHANGE_BAD_RESPONSE, http_status);
    return;
  }
  const char *length_text = header_value(headers, "Content-Length");
  long announced = length_text != NULL ? parse_decimal(length_text, 9) : -1;
  if (announced == TOO_MANY_DIGITS ||
      (announced >= 0 && (unsigned long)announced > (unsigned long)request->response_capacity)) {
    loopback_close(s);
    fail(result, EXCHANGE_TOO_LARGE, announced == TOO_MANY_DIGITS ? 0 : announced);
    return;
  }

  size_t body_length = (size_t)(headers + header_bytes - body_start);
  if (body_length > request->response_capacity) {
    loopback_close(s);
    fail(result, EXCHANGE_TOO_LARGE, announced);
    return;
  }
  memcpy(request->response, body_start, body_length);

  for (;;) {
    if (announced >= 0 && body_length >= (size_t)announced) break;
    size_t room = request->response_capacity - body_length;
    /* One spare byte beyond the capacity tells "exactly full" from "too large" without ever
       writing past the caller's buffer. */
    unsigned char spare;
    unsigned char *target = room > 0 ? request->response + body_length : &spare;
    size_t target_size = room > 0 ? room : 1;
    size_t got = 0;
    socket_status received = loopback_receive(s, target, target_size, request->deadline_ms, &got, &os_error);
    if (received != SOCKET_DONE) {
      loopback_close(s);
      fail_io(result, received, os_error, request);
      return;
    }
    if (got == 0) break;
    if (room == 0) {
      loopback_close(s);
      fail(result, EXCHANGE_TOO_LARGE, announced);
      return;
    }
    body_length += got;
  }
  loopback_close(s);

  if (announced >= 0 && body_length != (size_t)announced) {
    fail(result, EXCHANGE_BAD_RESPONSE, http_status); /* cut short */
    return;
  }
  if (body_length == 0) {
    fail(result, EXCHANGE_BAD_RESPONSE, http_status);
    return;
  }
  result->outcome = EXCHANGE_ANSWERED;
  result->detail = http_status;
  result->response_length = body_length;
}
