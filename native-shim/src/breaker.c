#include "breaker.h"
#include "sync.h"

static shim_mutex lock = SHIM_MUTEX_INIT;
static int64_t open_until_ms;
static int consecutive_timeouts;

int64_t breaker_remaining_ms(int64_t now_ms) {
  shim_mutex_lock(&lock);
  int64_t remaining = open_until_ms - now_ms;
  shim_mutex_unlock(&lock);
  return remaining > 0 ? remaining : 0;
}

static void open_for(int64_t now_ms, int duration_ms) {
  int64_t until = now_ms + duration_ms;
  if (until > open_until_ms) open_until_ms = until;
}

void breaker_record_connect_failure(int64_t now_ms, const breaker_settings *settings) {
  shim_mutex_lock(&lock);
  open_for(now_ms, settings->open_ms_after_connect_failure);
  shim_mutex_unlock(&lock);
}

void breaker_record_timeout(int64_t now_ms, const breaker_settings *settings) {
  shim_mutex_lock(&lock);
  consecutive_timeouts += 1;
  if (consecutive_timeouts >= settings->timeouts_to_open) {
    open_for(now_ms, settings->open_ms_after_timeouts);
    consecutive_timeouts = 0;
  }
  shim_mutex_unlock(&lock);
}

void breaker_record_answer(void) {
  shim_mutex_lock(&lock);
  consecutive_timeouts = 0;
  shim_mutex_unlock(&lock);
}

void breaker_reset(void) {
  shim_mutex_lock(&lock);
  open_until_ms = 0;
  consecutive_timeouts = 0;
  shim_mutex_unlock(&lock);
}
