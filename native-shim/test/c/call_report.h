/* What the C test drivers print about one shim call: the elapsed time and the fail-open reason and code, read
   from the envelope without a JSON parser (the fail-open envelope is fixed ASCII, README.md "Return codes"). */
#ifndef PREALERT_TEST_CALL_REPORT_H
#define PREALERT_TEST_CALL_REPORT_H

#include <stdio.h>
#include <string.h>

#if defined(_WIN32)
#  include <windows.h>
#else
#  include <time.h>
#endif

static double now_ms(void) {
#if defined(_WIN32)
  LARGE_INTEGER frequency, counter;
  QueryPerformanceFrequency(&frequency);
  QueryPerformanceCounter(&counter);
  return (double)counter.QuadPart * 1000.0 / (double)frequency.QuadPart;
#else
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
#endif
}

/* The value after `marker` in the fail-open envelope, up to `stop`, or "-" when there is none. */
static void field_of(const char *envelope, const char *marker, const char *stop, char *value, size_t capacity) {
  const char *start = strstr(envelope, marker);
  strcpy(value, "-");
  if (start == NULL) return;
  start += strlen(marker);
  size_t n = strcspn(start, stop);
  if (n == 0 || n >= capacity) return;
  memcpy(value, start, n);
  value[n] = '\0';
}

#endif
