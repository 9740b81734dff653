/* Just enough JSON reading for a doctor station written in C: find fields of the national response
   envelope without a JSON library. Spans point into the caller's text; nothing is allocated. */
#ifndef HIS_JSON_SCAN_H
#define HIS_JSON_SCAN_H

#include <stddef.h>

typedef struct {
  const char *start;
  const char *end; /* one past the value's last character */
} json_span;

json_span json_whole(const char *text);
/* The value of `key` in the object `object`; returns 0 when found. */
int json_field(json_span object, const char *key, json_span *value);
/* Iterates an array: *cursor starts as the array's span; returns 0 and the next element while any remain. */
int json_next_element(json_span *cursor, json_span *element);
/* A string value's text, unescaped (\uXXXX becomes UTF-8); numbers and literals are copied as written. */
void json_text(json_span value, char *out, size_t capacity);

#endif
