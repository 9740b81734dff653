#include "compat.h"
#include "clock.h"

#if defined(_WIN32)
#  include <windows.h>

int64_t shim_now_ms(void) { return (int64_t)GetTickCount64(); }

#else
#  include <time.h>

int64_t shim_now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

#endif
