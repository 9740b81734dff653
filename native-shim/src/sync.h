/* A short-held mutex and one-time initialisation, the only synchronisation the shim needs. Locks
   guard a few fields for a few instructions and are never held across I/O. */
#ifndef PREALERT_SYNC_H
#define PREALERT_SYNC_H

#include "compat.h"

#if defined(_WIN32)
#  include <windows.h>
typedef SRWLOCK shim_mutex;
#  define SHIM_MUTEX_INIT SRWLOCK_INIT
#else
#  include <pthread.h>
typedef pthread_mutex_t shim_mutex;
#  define SHIM_MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
#endif

void shim_mutex_lock(shim_mutex *mutex);
void shim_mutex_unlock(shim_mutex *mutex);
/* Takes the mutex only when it is free: returns 1 when taken, 0 when another thread holds it. */
int shim_mutex_trylock(shim_mutex *mutex);

/* Runs init exactly once per process, whichever thread calls first; the others wait for it. */
void shim_run_once(void (*init)(void));

#endif
