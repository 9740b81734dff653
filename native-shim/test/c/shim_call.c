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
#include "host_common.h"
#include "prealert.h"

#include <stdio.h>

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc != 4) {
    printf("FAIL usage: shim_call LIBRARY INFNO REQUEST\n");
    return 2;
  }
  void *library = load_shim(argv[1]);
  if (library == NULL) return 1;
  call_fn call = resolve_call(library);
  if (call == NULL) {
    printf("FAIL resolve prealert_call\n");
    return 1;
  }
  call_and_report(call, argv[2], argv[3]);
  return 0;
}
