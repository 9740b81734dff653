/*
 * One shim call from a process of its own, so a test can make it as another account (setpriv), without HOME, or
 * with a given environment, as a HIS started that way would. Drives native-shim/test/machine-scope.test.ts.
 * Usage: shim_call LIBRARY INFNO REQUEST
 *   REQUEST is the envelope (UTF-8) passed to prealert_call(INFNO, REQUEST). The settings come from the
 *   environment (PREALERT_DATA_DIR, PREALERT_SHIM_LOG, ...) and prealert.ini, read at the call.
 * Prints:  CALL rc=<rc> reason=<fail-open reason or -> code=<its code or -> ms=<elapsed>
 *          OUTPUT <the output buffer, on one line>
 */
#define _GNU_SOURCE
#include "call_report.h"
#include "prealert.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

typedef int (*call_fn)(const char *, const char *, char *, int);

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc != 4) {
    printf("FAIL usage: shim_call LIBRARY INFNO REQUEST\n");
    return 2;
  }
  void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    printf("FAIL load %s: %s\n", argv[1], dlerror());
    return 1;
  }
  call_fn call = NULL;
  void *found = dlsym(library, "prealert_call");
  memcpy(&call, &found, sizeof(call));
  if (call == NULL) {
    printf("FAIL resolve prealert_call\n");
    return 1;
  }
  static char out[65536];
  double started = now_ms();
  int rc = call(argv[2], argv[3], out, (int)sizeof(out));
  double elapsed = now_ms() - started;
  char reason[64], code[24];
  field_of(out, "\"reason\":\"", "\"", reason, sizeof(reason));
  field_of(out, "\"code\":", ",}", code, sizeof(code));
  printf("CALL rc=%d reason=%s code=%s ms=%.1f\n", rc, reason, code, elapsed);
  for (char *c = out; *c; ++c) {
    if (*c == '\n' || *c == '\r') *c = ' ';
  }
  printf("OUTPUT %s\n", out);
  return 0;
}
