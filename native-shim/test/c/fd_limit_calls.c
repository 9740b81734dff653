/*
 * A HIS that has used up its file-descriptor limit for a moment (EMFILE), as one opening many connections and
 * files can: the shim's connect then fails on this side of the socket, before the sidecar is asked, and says
 * nothing about whether the sidecar is there. Drives native-shim/test/transient-connect.test.ts (Linux only:
 * the limit is RLIMIT_NOFILE).
 * Usage: fd_limit_calls LIBRARY REQUEST STEP...
 *   REQUEST is the 3101 envelope every step sends (UTF-8). The settings come from the environment
 *   (PREALERT_DATA_DIR, ...), read at the first call. STEP is one call of prealert_call("3101", REQUEST):
 *     PORT          to 127.0.0.1:PORT (set with prealert_set_option before the call);
 *     emfile:PORT   the same with RLIMIT_NOFILE lowered so that no descriptor is free, restored after the call.
 * Prints, for every step:  CALL <i> rc=<rc> reason=<fail-open reason or -> code=<its code or -> ms=<elapsed>
 *                          OUTPUT <i> <the output buffer, on one line>
 * then                     DONE
 */
#define _GNU_SOURCE
#include "host_common.h"
#include "prealert.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Lowers the soft limit to the lowest free descriptor, so every descriptor below it is taken and the next one
   the process asks for fails with EMFILE. Returns the limit to restore, or -1. */
static int take_every_descriptor(struct rlimit *before) {
  if (getrlimit(RLIMIT_NOFILE, before) != 0) return -1;
  int lowest_free = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (lowest_free < 0) return -1;
  close(lowest_free);
  struct rlimit none_free = *before;
  none_free.rlim_cur = (rlim_t)lowest_free;
  if (setrlimit(RLIMIT_NOFILE, &none_free) != 0) return -1;
  int probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (probe >= 0) {
    close(probe);
    setrlimit(RLIMIT_NOFILE, before);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc < 4) {
    printf("FAIL usage: fd_limit_calls LIBRARY REQUEST STEP...\n");
    return 2;
  }
  void *library = load_shim(argv[1]);
  if (library == NULL) return 1;
  call_fn call = resolve_call(library);
  set_option_fn set_option = resolve_set_option(library);
  if (call == NULL || set_option == NULL) {
    printf("FAIL resolve prealert_call / prealert_set_option\n");
    return 1;
  }
  static char out[65536];
  for (int i = 3; i < argc; ++i) {
    const char *step = argv[i];
    int no_free_descriptor = strncmp(step, "emfile:", 7) == 0;
    const char *port = no_free_descriptor ? step + 7 : step;
    /* Also the shim's one-time initialisation on the first step, done with descriptors to spare. */
    if (set_option("port", port) != PREALERT_OK) {
      printf("FAIL port %s\n", port);
      return 1;
    }
    struct rlimit before;
    if (no_free_descriptor && take_every_descriptor(&before) != 0) {
      printf("FAIL could not take every descriptor\n");
      return 1;
    }
    out[0] = '\0';
    double started = now_ms();
    int rc = call("3101", argv[2], out, (int)sizeof(out));
    double elapsed = now_ms() - started;
    if (no_free_descriptor) setrlimit(RLIMIT_NOFILE, &before);
    char label[16];
    snprintf(label, sizeof(label), "%d ", i - 2);
    report_call(label, rc, out, elapsed);
  }
  printf("DONE\n");
  return 0;
}
