/* The shim's settings, and what one call needs from them. Precedence, lowest first: built-in
   defaults, prealert.ini next to the library, environment variables, prealert_set_option(). */
#ifndef PREALERT_CONFIG_H
#define PREALERT_CONFIG_H

#include "breaker.h"
#include "native_path.h"
#include <stdint.h>

#define DEFAULT_PORT 17311
#define DEADLINE_CEILING_MS 5000
#define TOKEN_MAX 256

typedef struct {
  uint16_t port; /* 0: no sidecar to try (its data dir holds its database but no port file: it is not running) */
  int connect_timeout_ms;
  int timeout_ms;
  char token[TOKEN_MAX + 1]; /* "" when none */
  breaker_settings breaker;
  /* The sidecar's port file when it is there but could not be read (an errno value, EACCES: a data dir whose port
     file other accounts may not read); 0 when it was read, or is absent, or a port was configured. For the log. */
  int port_file_error;
  native_path port_file;
} call_settings;

/* Resets to defaults, then reads prealert.ini and the environment. Called once at start-up and by
   the "reset" option. */
void config_load(void);

typedef enum { CONFIG_SET = 0, CONFIG_UNKNOWN_NAME = -1, CONFIG_BAD_VALUE = -2 } config_set_result;
/* name and value are UTF-8 (values not valid UTF-8 are read as the ANSI code page on Windows). */
config_set_result config_set(const char *name, const char *value);

/* Everything one call needs, copied out under the lock. When no port was configured explicitly,
   the sidecar's port file is read here (outside the lock), so a restarted sidecar on a new port is
   found without restarting the HIS; the token it carries is used when none was configured. Without a
   port file the port is DEFAULT_PORT, unless the data dir is a stopped sidecar's: then 0. */
void config_for_call(const char *infno, call_settings *settings);

/* Where and how much to spool a 3103 that failed open: spool_dir, else <data dir>/spool (empty when
   neither can be found). Only called on that rare path, so the paths stay out of call_settings. Returns -1 (and an
   empty directory) when no spool_dir is set and the data_dir set is too long to hold `spool/<file>`, which neither
   the load nor config_set leaves so (a guard). Otherwise 0. */
int config_spool(native_path *directory, long *max_bytes);

/* The diagnostics file (option `log`; empty when off) and its bound, for a fail-open line. */
void config_log(native_path *path, long *max_bytes);

#endif
