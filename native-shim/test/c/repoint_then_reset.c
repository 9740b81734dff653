/*
 * A HIS that keeps the shim loaded through a symbolic link while an upgrade re-points the link at another version's
 * folder and removes the old one; IT then asks the running HIS to re-read its settings with
 * prealert_set_option("reset", "all"). Compiled and run by native-shim/test/repoint-reset.test.ts.
 * Usage: repoint_then_reset LINK NEW_TARGET OLD_FOLDER INFNO REQUEST
 *   Loads LINK, calls prealert_call(INFNO, REQUEST); points LINK at NEW_TARGET (a new link renamed over it, as
 *   package managers do), deletes OLD_FOLDER's prealert.ini and libprealert.so and the folder; resets; calls again.
 * Prints, per call:  CALL rc=<rc> reason=<fail-open reason or -> code=<its code or -> ms=<elapsed>
 *                    OUTPUT <the output buffer, on one line>
 *        and between them:  RESET rc=<prealert_set_option's return>
 */
#define _GNU_SOURCE
#include "host_common.h"

#include <stdio.h>
#include <unistd.h>

/* Removes OLD_FOLDER/name; 0 on success. */
static int remove_in(const char *folder, const char *name) {
  char path[4096];
  if (snprintf(path, sizeof(path), "%s/%s", folder, name) >= (int)sizeof(path)) return -1;
  return unlink(path);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc != 6) {
    printf("FAIL usage: repoint_then_reset LINK NEW_TARGET OLD_FOLDER INFNO REQUEST\n");
    return 2;
  }
  void *library = load_shim(argv[1]);
  if (library == NULL) return 1;
  call_fn call = resolve_call(library);
  set_option_fn set_option = resolve_set_option(library);
  if (call == NULL || set_option == NULL) {
    printf("FAIL resolve prealert_call, prealert_set_option\n");
    return 1;
  }
  call_and_report(call, argv[4], argv[5]);
  char fresh[4096];
  if (snprintf(fresh, sizeof(fresh), "%s.new", argv[1]) >= (int)sizeof(fresh) || symlink(argv[2], fresh) != 0 ||
      rename(fresh, argv[1]) != 0) {
    printf("FAIL re-point %s\n", argv[1]);
    return 1;
  }
  if (remove_in(argv[3], "prealert.ini") != 0 || remove_in(argv[3], "libprealert.so") != 0 || rmdir(argv[3]) != 0) {
    printf("FAIL remove %s\n", argv[3]);
    return 1;
  }
  printf("RESET rc=%d\n", set_option("reset", "all"));
  call_and_report(call, argv[4], argv[5]);
  return 0;
}
