/* The 3103 spool: when a doctor's decision cannot reach the sidecar, the shim still answers infcode 0
   (prescribing must go on), so the decision is kept on disk and the sidecar replays it when it runs
   again (sidecar/src/spool/spool-replay.ts). One file per call, written under a temporary name,
   flushed and then renamed, so a reader never sees half a file. */
#ifndef PREALERT_SPOOL_H
#define PREALERT_SPOOL_H

#include "native_path.h"
#include <stddef.h>

#define SPOOL_DEFAULT_MAX_BYTES (5L * 1024 * 1024)
/* The longest names the spool writes, NUL not counted: a file's name, and its temporary name `.<name>.tmp`. A
   spool_dir that cannot hold the temporary one is refused when it is set; a data_dir that cannot hold it in `spool`
   when no spool_dir is set is refused from the ini and the environment, and from prealert_set_option taken for its
   own files with each such 3103 logged (`no_room_for_spool=data_dir`, config.c). */
#define SPOOL_NAME_MAX 95
#define SPOOL_TEMP_NAME_MAX (1 + SPOOL_NAME_MAX + 4)

/* Writes one spool file into directory (created when missing, with its parent) holding the request
   exactly as it would have been sent, labelled with its charset. Returns 1 when the file is in place,
   0 when it was not written: spooling disabled (max_bytes 0), the directory already holds max_bytes or
   more with this file (an estimate kept in memory, see spool.c), or any I/O error. Runs on the caller's
   thread and returns once the file and its name are on the disk (write, fsync, rename, fsync of the
   directory): a decision answered with infcode 0 must survive a crash. Never waits for other threads'
   I/O; `pnpm bench:shim` prints what it costs. */
int spool_write(const native_path *directory, long max_bytes, const char *infno, const char *charset,
                const void *body, size_t body_length);

#endif
