/* The shim's opt-in diagnostics file (option `log`): IT staff read it to learn why a workstation fails open,
   since the fail-open reason otherwise lives only in an output buffer most HIS discard. One line per event,
   never a request or response body. The file is bounded: past max_bytes it is renamed to <file>.1 (replacing
   the previous one) and a new one is started, so at most twice max_bytes are ever on the disk. */
#ifndef PREALERT_ROTATING_LOG_H
#define PREALERT_ROTATING_LOG_H

#include "native_path.h"

#define ROTATING_LOG_DEFAULT_MAX_BYTES (1024L * 1024)
#define ROTATING_LOG_MIN_MAX_BYTES 4096L
#define ROTATING_LOG_LINE_MAX 1024 /* room for the data dir's paths in the config line */

/* Appends "<local time> pid=<pid> <event>\n" to path (nothing when path is empty). Thread-safe and safe across
   processes sharing the file: each line is one append write, and a thread that finds another rotating the file
   writes on rather than waits. Never reports failure: a log that cannot be written must not change the call. */
void rotating_log_append(const native_path *path, long max_bytes, const char *event);

#endif
