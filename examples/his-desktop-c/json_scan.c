#include "json_scan.h"

#include <string.h>

static const char *skip_space(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) ++p;
  return p;
}

/* Returns the position just after the value that starts at p, or NULL if it is malformed. */
static const char *skip_value(const char *p, const char *end) {
  p = skip_space(p, end);
  if (p >= end) return NULL;
  if (*p == '"') {
    for (++p; p < end; ++p) {
      if (*p == '\\') {
        ++p;
      } else if (*p == '"') {
        return p + 1;
      }
    }
    return NULL;
  }
  if (*p == '{' || *p == '[') {
    char close = *p == '{' ? '}' : ']';
    p = skip_space(p + 1, end);
    if (p < end && *p == close) return p + 1;
    for (;;) {
      if (close == '}') {
        p = skip_value(p, end); /* key */
        if (p == NULL) return NULL;
        p = skip_space(p, end);
        if (p >= end || *p != ':') return NULL;
        ++p;
      }
      p = skip_value(p, end);
      if (p == NULL) return NULL;
      p = skip_space(p, end);
      if (p < end && *p == ',') {
        ++p;
        continue;
      }
      return (p < end && *p == close) ? p + 1 : NULL;
    }
  }
  while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\r' && *p != '\n') ++p;
  return p;
}

json_span json_whole(const char *text) {
  json_span span = {text, text + strlen(text)};
  span.start = skip_space(span.start, span.end);
  return span;
}

int json_field(json_span object, const char *key, json_span *value) {
  const char *p = skip_space(object.start, object.end);
  if (p >= object.end || *p != '{') return -1;
  p = skip_space(p + 1, object.end);
  size_t key_length = strlen(key);
  while (p < object.end && *p == '"') {
    const char *key_end = skip_value(p, object.end);
    if (key_end == NULL) return -1;
    int matches = (size_t)(key_end - p - 2) == key_length && memcmp(p + 1, key, key_length) == 0;
    p = skip_space(key_end, object.end);
    if (p >= object.end || *p != ':') return -1;
    const char *value_start = skip_space(p + 1, object.end);
    const char *value_end = skip_value(value_start, object.end);
    if (value_end == NULL) return -1;
    if (matches) {
      value->start = value_start;
      value->end = value_end;
      return 0;
    }
    p = skip_space(value_end, object.end);
    if (p < object.end && *p == ',') p = skip_space(p + 1, object.end);
  }
  return -1;
}

int json_next_element(json_span *cursor, json_span *element) {
  const char *p = skip_space(cursor->start, cursor->end);
  if (p < cursor->end && (*p == '[' || *p == ',')) p = skip_space(p + 1, cursor->end);
  if (p >= cursor->end || *p == ']') return -1;
  const char *value_end = skip_value(p, cursor->end);
  if (value_end == NULL) return -1;
  element->start = p;
  element->end = value_end;
  cursor->start = skip_space(value_end, cursor->end);
  return 0;
}

static size_t put_utf8(char *out, unsigned long code) {
  if (code < 0x80) {
    out[0] = (char)code;
    return 1;
  }
  if (code < 0x800) {
    out[0] = (char)(0xC0 | (code >> 6));
    out[1] = (char)(0x80 | (code & 0x3F));
    return 2;
  }
  if (code < 0x10000) {
    out[0] = (char)(0xE0 | (code >> 12));
    out[1] = (char)(0x80 | ((code >> 6) & 0x3F));
    out[2] = (char)(0x80 | (code & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (code >> 18));
  out[1] = (char)(0x80 | ((code >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((code >> 6) & 0x3F));
  out[3] = (char)(0x80 | (code & 0x3F));
  return 4;
}

static unsigned long hex4(const char *p) {
  unsigned long value = 0;
  for (int i = 0; i < 4; ++i) {
    char c = p[i];
    value = value * 16 + (unsigned long)(c >= '0' && c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
  }
  return value;
}

void json_text(json_span value, char *out, size_t capacity) {
  size_t used = 0;
  const char *p = value.start;
  const char *end = value.end;
  if (p < end && *p == '"') {
    ++p;
    --end;
  }
  while (p < end && used + 5 < capacity) {
    if (*p != '\\' || p + 1 >= end) {
      out[used++] = *p++;
      continue;
    }
    char escape = p[1];
    p += 2;
    switch (escape) {
      case 'n': out[used++] = '\n'; break;
      case 't': out[used++] = '\t'; break;
      case 'r': out[used++] = '\r'; break;
      case 'b': out[used++] = '\b'; break;
      case 'f': out[used++] = '\f'; break;
      case 'u':
        if (p + 4 <= end) {
          unsigned long code = hex4(p);
          p += 4;
          if (code >= 0xD800 && code < 0xDC00 && p + 6 <= end && p[0] == '\\' && p[1] == 'u') {
            code = 0x10000 + ((code - 0xD800) << 10) + (hex4(p + 2) - 0xDC00);
            p += 6;
          }
          used += put_utf8(out + used, code);
        }
        break;
      default: out[used++] = escape; break;
    }
  }
  out[used] = '\0';
}
