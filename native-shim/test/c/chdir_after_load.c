/*
 * A HIS that loads the shim by a relative path and then changes directory (a file dialog, a report module) before its
 * first call, as desktop HIS programs do. Compiled and run by native-shim/test/relative-load.test.ts.
 * Usage: chdir_after_load LIBRARY DIRECTORY INFNO REQUEST
 *   LIBRARY is passed to dlopen as given (`./libprealert.so`, `lib/libprealert.so`), from the working directory the
 *   test started this in; then the process moves to DIRECTORY and calls prealert_call(INFNO, REQUEST).
 * Prints:  CALL rc=<rc> reason=<fail-open reason or -> code=<its code or -> ms=<elapsed>
 *          OUTPUT <the output buffer, on one line>
 */
#define _GNU_SOURCE
#include "call_report.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef int (*call_fn)(const char *, const char *, char *, int);

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc != 5) {
    printf("FAIL usage: chdir_after_load LIBRARY DIRECTORY INFNO REQUEST\n");
    return 2;
  }
  void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    printf("FAIL load %s: %s\n", argv[1], dlerror());
    return 1;
  }
  if (chdir(argv[2]) != 0) {
    printf("FAIL chdir %s\n", argv[2]);
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
  int rc = call(argv[3], argv[4], out, (int)sizeof(out));
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
