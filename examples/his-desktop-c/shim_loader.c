#if !defined(_WIN32)
#  define _GNU_SOURCE
#endif
#include "shim_loader.h"

#include <stdio.h>
#include <string.h>

#if defined(_WIN32)
#  include <windows.h>

int shim_load(const char *path, shim_functions *shim) {
  /* LoadLibrary looks in the program's own directory first: where a HIS keeps its insurance DLLs. */
  HMODULE module = LoadLibraryA(path != NULL ? path : "prealert.dll");
  if (module == NULL) {
    fprintf(stderr, "cannot load %s (Windows error %lu)\n", path != NULL ? path : "prealert.dll", GetLastError());
    return -1;
  }
  FARPROC symbols[5];
  static const char *names[5] = {"prealert_call", "prealert_call_gbk", "prealert_call_w", "prealert_version",
                                 "prealert_set_option"};
  for (int i = 0; i < 5; ++i) {
    symbols[i] = GetProcAddress(module, names[i]);
    if (symbols[i] == NULL) {
      fprintf(stderr, "prealert.dll does not export %s\n", names[i]);
      return -1;
    }
  }
  /* FARPROC to typed pointers: memcpy avoids the cast warnings between function pointer types. */
  memcpy(&shim->call, &symbols[0], sizeof(shim->call));
  memcpy(&shim->call_gbk, &symbols[1], sizeof(shim->call_gbk));
  memcpy(&shim->call_w, &symbols[2], sizeof(shim->call_w));
  memcpy(&shim->version, &symbols[3], sizeof(shim->version));
  memcpy(&shim->set_option, &symbols[4], sizeof(shim->set_option));
  return 0;
}

#else
#  include <dlfcn.h>
#  include <limits.h>
#  include <unistd.h>

int shim_load(const char *path, shim_functions *shim) {
  char default_path[PATH_MAX];
  if (path == NULL) {
    /* Next to the program, as on Windows. */
    ssize_t n = readlink("/proc/self/exe", default_path, sizeof(default_path) - 32);
    if (n <= 0) return -1;
    default_path[n] = '\0';
    char *slash = strrchr(default_path, '/');
    strcpy(slash != NULL ? slash + 1 : default_path, "libprealert.so");
    path = default_path;
  }
  void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
    return -1;
  }
  void *symbols[5];
  static const char *names[5] = {"prealert_call", "prealert_call_gbk", "prealert_call_w", "prealert_version",
                                 "prealert_set_option"};
  for (int i = 0; i < 5; ++i) {
    symbols[i] = dlsym(library, names[i]);
    if (symbols[i] == NULL) {
      fprintf(stderr, "%s does not export %s\n", path, names[i]);
      return -1;
    }
  }
  memcpy(&shim->call, &symbols[0], sizeof(shim->call));
  memcpy(&shim->call_gbk, &symbols[1], sizeof(shim->call_gbk));
  memcpy(&shim->call_w, &symbols[2], sizeof(shim->call_w));
  memcpy(&shim->version, &symbols[3], sizeof(shim->version));
  memcpy(&shim->set_option, &symbols[4], sizeof(shim->set_option));
  return 0;
}

#endif
