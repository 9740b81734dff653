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
#include "call_report.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef int (*call_fn)(const char *, const char *, char *, int);
typedef int (*set_option_fn)(const char *, const char *);

static void call_once(call_fn call, const char *infno, const char *request) {
  static char out[65536];
  double started = now_ms();
  int rc = call(infno, request, out, (int)sizeof(out));
  double elapsed = now_ms() - started;
  char reason[64], code[24];
  field_of(out, "\"reason\":\"", "\"", reason, sizeof(reason));
  field_of(out, "\"code\":", ",}", code, sizeof(code));
  printf("CALL rc=%d reason=%s code=%s ms=%.1f\n", rc, reason, code, elapsed);
  for (char *c = out; *c; ++c) {
    if (*c == '\n' || *c == '\r') *c = ' ';
  }
  printf("OUTPUT %s\n", out);
}

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
  void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    printf("FAIL load %s: %s\n", argv[1], dlerror());
    return 1;
  }
  call_fn call = NULL;
  set_option_fn set_option = NULL;
  void *found = dlsym(library, "prealert_call");
  memcpy(&call, &found, sizeof(call));
  found = dlsym(library, "prealert_set_option");
  memcpy(&set_option, &found, sizeof(set_option));
  if (call == NULL || set_option == NULL) {
    printf("FAIL resolve prealert_call, prealert_set_option\n");
    return 1;
  }
  call_once(call, argv[4], argv[5]);
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
  call_once(call, argv[4], argv[5]);
  return 0;
}
