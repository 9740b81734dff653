/* Monotonic milliseconds: deadlines must not move when the wall clock is adjusted. */
#ifndef PREALERT_CLOCK_H
#define PREALERT_CLOCK_H

#include <stdint.h>

int64_t shim_now_ms(void);

#endif
