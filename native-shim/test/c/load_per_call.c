/*
 * A HIS that loads the shim around every call, as some do with their insurance DLLs: load the library,
 * call 3101 once, unload it, and again. Drives native-shim/test/load-per-call.test.ts (Linux: dlopen and
 * dlclose) and wine-x64.test.ts (Windows under wine: LoadLibrary and FreeLibrary).
 * Usage: load_per_call LIBRARY CALLS
 *   The port comes from PREALERT_PORT (the environment is read at the shim's first call), so the program
 *   calls nothing but prealert_call between load and unload.
 * Prints, for every call:  CALL <i> rc=<rc> reason=<fail-open reason or -> code=<its code or -> ms=<elapsed>
 *                                 loaded_after_unload=<yes|no>   (on one line)
 * then                     SUMMARY calls=<n> mean_ms=<all calls> mean_ms_after_3=<calls 4..n>
 * and                      DONE
 * Wine can exit 0 when a program did not run, so the test reads these lines, never the exit code.
 */
#if !defined(_WIN32)
#  define _GNU_SOURCE /* RTLD_NOLOAD, clock_gettime */
#endif
#include "call_report.h"
#include "prealert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#  include <windows.h>
typedef HMODULE library_handle;
#else
#  include <dlfcn.h>
typedef void *library_handle;
#endif

typedef int(PREALERT_CALL *call_fn)(const char *, const char *, char *, int);

static library_handle load(const char *path) {
#if defined(_WIN32)
  return LoadLibraryA(path);
#else
  return dlopen(path, RTLD_NOW | RTLD_LOCAL);
#endif
}

static call_fn resolve_call(library_handle library) {
  call_fn call = NULL;
#if defined(_WIN32)
  FARPROC found = GetProcAddress(library, "prealert_call");
#else
  void *found = dlsym(library, "prealert_call");
#endif
  memcpy(&call, &found, sizeof(call));
  return call;
}

static void unload(library_handle library) {
#if defined(_WIN32)
  FreeLibrary(library);
#else
  dlclose(library);
#endif
}

/* Whether the library is still in the process after the unload that matched its load. */
static int still_loaded(const char *path) {
#if defined(_WIN32)
  return GetModuleHandleA(path) != NULL;
#else
  void *again = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (again == NULL) return 0;
  dlclose(again); /* drops the reference RTLD_NOLOAD just took */
  return 1;
#endif
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc < 3) {
    printf("FAIL usage: load_per_call LIBRARY CALLS\n");
    return 2;
  }
  const char *path = argv[1];
  int calls = atoi(argv[2]);
  static char out[4096];
  double total = 0, after_three = 0;
  for (int i = 0; i < calls; ++i) {
    library_handle library = load(path);
    if (library == NULL) {
      printf("FAIL load %s\n", path);
      return 1;
    }
    call_fn call = resolve_call(library);
    if (call == NULL) {
      printf("FAIL resolve prealert_call\n");
      return 1;
    }
    out[0] = '\0';
    double started = now_ms();
    int rc = call("3101", "{\"infno\":\"3101\",\"input\":{\"data\":{\"patient_dtos\":[]}}}", out, (int)sizeof(out));
    double elapsed = now_ms() - started;
    unload(library);
    char reason[64], code[24];
    field_of(out, "\"reason\":\"", "\"", reason, sizeof(reason));
    field_of(out, "\"code\":", ",}", code, sizeof(code));
    printf("CALL %d rc=%d reason=%s code=%s ms=%.1f loaded_after_unload=%s\n", i + 1, rc, reason, code, elapsed,
           still_loaded(path) ? "yes" : "no");
    total += elapsed;
    if (i >= 3) after_three += elapsed;
  }
  printf("SUMMARY calls=%d mean_ms=%.1f mean_ms_after_3=%.1f\n", calls, calls > 0 ? total / calls : 0.0,
         calls > 3 ? after_three / (calls - 3) : 0.0);
  printf("DONE\n");
  return 0;
}
