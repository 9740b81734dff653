/* The load-and-call lines every Linux host program in test/c repeats (dlopen, dlsym, a timed prealert_call and
   the CALL/OUTPUT lines the tests read), so a change to what the tests parse is made once. Each host still
   builds alone: gcc HOST.c -ldl, with this header beside it. Linux only (dlopen); load_per_call.c and
   wine_smoke.c also build for Windows and keep their own loading. */
#ifndef PREALERT_TEST_HOST_COMMON_H
#define PREALERT_TEST_HOST_COMMON_H

#include "call_report.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

typedef int (*call_fn)(const char *, const char *, char *, int);
typedef int (*set_option_fn)(const char *, const char *);

/* `static inline` so a host that needs only some of these still builds under -Wall -Wextra -Werror (compileHost). */

/* Loads the shim as a HIS does; on failure prints the FAIL line the tests show and returns NULL. */
static inline void *load_shim(const char *library_path) {
  void *library = dlopen(library_path, RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) printf("FAIL load %s: %s\n", library_path, dlerror());
  return library;
}

/* ISO C has no cast from an object pointer to a function pointer: dlsym's result is copied into one instead. */
static inline call_fn resolve_call(void *library) {
  call_fn call = NULL;
  void *found = dlsym(library, "prealert_call");
  memcpy(&call, &found, sizeof(call));
  return call;
}

static inline set_option_fn resolve_set_option(void *library) {
  set_option_fn set_option = NULL;
  void *found = dlsym(library, "prealert_set_option");
  memcpy(&set_option, &found, sizeof(set_option));
  return set_option;
}

/* Prints  CALL <label>rc=<rc> reason=<fail-open reason or -> code=<its code or -> ms=<elapsed>
           OUTPUT <label><the output buffer, on one line>
   `label` is "" or, for a host that numbers its calls, "<i> ". Flattens `out` in place. */
static inline void report_call(const char *label, int rc, char *out, double elapsed_ms) {
  char reason[64], code[24];
  field_of(out, "\"reason\":\"", "\"", reason, sizeof(reason));
  field_of(out, "\"code\":", ",}", code, sizeof(code));
  printf("CALL %src=%d reason=%s code=%s ms=%.1f\n", label, rc, reason, code, elapsed_ms);
  for (char *c = out; *c; ++c) {
    if (*c == '\n' || *c == '\r') *c = ' ';
  }
  printf("OUTPUT %s%s\n", label, out);
}

/* One timed prealert_call(infno, request) into a buffer of the size a HIS passes, reported as above. */
static inline void call_and_report(call_fn call, const char *infno, const char *request) {
  static char out[65536];
  double started = now_ms();
  int rc = call(infno, request, out, (int)sizeof(out));
  double elapsed = now_ms() - started;
  report_call("", rc, out, elapsed);
}

#endif
