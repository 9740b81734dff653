#include "envelope_text.h"

#include <stdio.h>
#include <string.h>

const char *failopen_reason_name(failopen_reason reason) {
  switch (reason) {
    case FAILOPEN_SIDECAR_UNREACHABLE: return "sidecar_unreachable";
    case FAILOPEN_SIDECAR_TIMEOUT: return "sidecar_timeout";
    case FAILOPEN_BREAKER_OPEN: return "breaker_open";
    case FAILOPEN_BAD_RESPONSE: return "bad_response";
    case FAILOPEN_RESPONSE_TOO_LARGE: return "response_too_large";
    case FAILOPEN_SIDECAR_ERROR: return "sidecar_error";
  }
  return "bad_response";
}

static size_t finish(int written, size_t capacity) {
  if (written < 0 || (size_t)written >= capacity) return 0;
  return (size_t)written;
}

size_t failopen_envelope(char *text, size_t capacity, failopen_reason reason, long code, int spooled) {
  int written = snprintf(text, capacity,
                         "{\"infcode\":0,\"err_msg\":\"\",\"output\":{\"result\":[]},"
                         "\"shim\":{\"failopen\":true,\"reason\":\"%s\",\"code\":%ld%s}}",
                         failopen_reason_name(reason), code, spooled ? ",\"spooled\":true" : "");
  return finish(written, capacity);
}

size_t caller_error_envelope(char *text, size_t capacity, const char *message, int code) {
  int written = snprintf(text, capacity,
                         "{\"infcode\":-1,\"err_msg\":\"%s\",\"output\":{\"result\":[]},"
                         "\"shim\":{\"failopen\":false,\"reason\":\"caller_error\",\"code\":%d}}",
                         message, code);
  return finish(written, capacity);
}

static unsigned unit_at(const unsigned char *body, size_t index, size_t unit_size) {
  if (unit_size == 2) return (unsigned)body[index * 2] | ((unsigned)body[index * 2 + 1] << 8);
  return body[index];
}

static int is_space(unsigned c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xFEFF; }

/* Whether the ASCII marker occurs in units [first, last). */
static int contains_ascii(const unsigned char *body, size_t first, size_t last, size_t unit_size, const char *marker) {
  size_t marker_units = strlen(marker);
  for (size_t at = first; at + marker_units <= last; ++at) {
    size_t k = 0;
    while (k < marker_units && unit_at(body, at + k, unit_size) == (unsigned char)marker[k]) ++k;
    if (k == marker_units) return 1;
  }
  return 0;
}

int looks_like_envelope(const unsigned char *body, size_t length, size_t unit_size) {
  if (unit_size == 0 || length % unit_size != 0) return 0;
  size_t units = length / unit_size;
  size_t first = 0;
  while (first < units && is_space(unit_at(body, first, unit_size))) ++first;
  size_t last = units;
  while (last > first && is_space(unit_at(body, last - 1, unit_size))) --last;
  if (last - first < 2 || unit_at(body, first, unit_size) != '{' || unit_at(body, last - 1, unit_size) != '}') return 0;
  return contains_ascii(body, first, last, unit_size, "\"infcode\"");
}

int carries_retry_mark(const unsigned char *body, size_t length, size_t unit_size) {
  if (unit_size == 0) return 0;
  /* The sidecar writes it with JSON.stringify: no spaces. */
  return contains_ascii(body, 0, length / unit_size, unit_size, "\"prealert_retry\":true");
}
