/* Circuit breaker: once the sidecar is known to be down (or stuck), calls fail open at once instead
   of each costing the doctor a connect attempt or a full deadline. */
#ifndef PREALERT_BREAKER_H
#define PREALERT_BREAKER_H

#include <stdint.h>

typedef struct {
  int open_ms_after_connect_failure;
  int timeouts_to_open;
  int open_ms_after_timeouts;
} breaker_settings;

/* Returns the milliseconds the breaker stays open (> 0), or 0 when calls may go through. */
int64_t breaker_remaining_ms(int64_t now_ms);
/* A refused connect (or one reset while connecting, or with no route): the sidecar is not there, so the breaker
   opens at once. */
void breaker_record_connect_failure(int64_t now_ms, const breaker_settings *settings);
/* No answer, or no connect, before its deadline, or a connect that failed on this side (no free fd or port): the
   sidecar may only be slow, or be fine, so only a run of them opens it. */
void breaker_record_timeout(int64_t now_ms, const breaker_settings *settings);
void breaker_record_answer(void);
void breaker_reset(void);

#endif
