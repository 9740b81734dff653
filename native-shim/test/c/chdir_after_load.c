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
#include "host_common.h"

#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc != 5) {
    printf("FAIL usage: chdir_after_load LIBRARY DIRECTORY INFNO REQUEST\n");
    return 2;
  }
  void *library = load_shim(argv[1]);
  if (library == NULL) return 1;
  if (chdir(argv[2]) != 0) {
    printf("FAIL chdir %s\n", argv[2]);
    return 1;
  }
  call_fn call = resolve_call(library);
  if (call == NULL) {
    printf("FAIL resolve prealert_call\n");
    return 1;
  }
  call_and_report(call, argv[3], argv[4]);
  return 0;
}
