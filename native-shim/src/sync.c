#include "sync.h"

#if defined(_WIN32)

void shim_mutex_lock(shim_mutex *mutex) { AcquireSRWLockExclusive(mutex); }
void shim_mutex_unlock(shim_mutex *mutex) { ReleaseSRWLockExclusive(mutex); }
int shim_mutex_trylock(shim_mutex *mutex) { return TryAcquireSRWLockExclusive(mutex) != 0; }

static INIT_ONCE init_once = INIT_ONCE_STATIC_INIT;
static void (*pending_init)(void);

static BOOL CALLBACK run_init(PINIT_ONCE once, PVOID parameter, PVOID *context) {
  (void)once;
  (void)parameter;
  (void)context;
  pending_init();
  return TRUE;
}

void shim_run_once(void (*init)(void)) {
  /* Every caller passes the same function, so the unsynchronised store is benign. InitOnceExecuteOnce
     blocks late arrivals until init returns: a bare flag would let a second thread race ahead of WSAStartup. */
  pending_init = init;
  InitOnceExecuteOnce(&init_once, run_init, NULL, NULL);
}

#else

void shim_mutex_lock(shim_mutex *mutex) { pthread_mutex_lock(mutex); }
void shim_mutex_unlock(shim_mutex *mutex) { pthread_mutex_unlock(mutex); }
int shim_mutex_trylock(shim_mutex *mutex) { return pthread_mutex_trylock(mutex) == 0; }

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void (*pending_init)(void);

static void run_init(void) { pending_init(); }

void shim_run_once(void (*init)(void)) {
  /* Every caller passes the same function, so the unsynchronised store is benign. */
  pending_init = init;
  pthread_once(&init_once, run_init);
}

#endif
