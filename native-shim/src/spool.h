/* The 3103 spool: when a doctor's decision cannot reach the sidecar, the shim still answers infcode 0
   (prescribing must go on), so the decision is kept on disk and the sidecar replays it when it runs
   again (sidecar/src/spool/spool-replay.ts). One file per call, written under a temporary name,
   flushed and then renamed, so a reader never sees half a file. */
#ifndef PREALERT_SPOOL_H
#define PREALERT_SPOOL_H

#include "native_path.h"
#include <stddef.h>

#define SPOOL_DEFAULT_MAX_BYTES (5L * 1024 * 1024)
/* The only request spooled: a 3103, the doctor's decision (exports.c). Its infno is part of every spool file's name. */
#define SPOOL_INFNO "3103"

/* A spool file's name, `<time ms>-<process id>-<sequence>-<infno>.req` (sorting by time), and its temporary name
   `.<name>.tmp`. Each number's argument has exactly the type its conversion takes (spool.c; -Wformat checks it), so
   SPOOL_NAME_MAX below counts what the format can print, from the types: it decides which spool_dir and data_dir the
   shim takes (config.c), and a name that would not fit is never written under a cut one (spool_write). */
#define SPOOL_NAME_FORMAT "%015lld-%lu-%ld-%s.req"
#define SPOOL_TEMP_NAME_FORMAT ".%s.tmp"

/* The characters a conversion prints at most for an integer type: the digits of its largest magnitude (each bit is
   less than 0.30103 of a decimal digit) and, for a signed type, a '-'. */
#define SPOOL_UNSIGNED_CHARS(type) ((sizeof(type) * 8 * 30103 + 99999) / 100000)
#define SPOOL_SIGNED_CHARS(type) (1 + ((sizeof(type) * 8 - 1) * 30103 + 99999) / 100000)
/* The time's field width (15) is below what a long long can print, so the widest value decides. */
#define SPOOL_TIME_CHARS SPOOL_SIGNED_CHARS(long long)

/* NUL not counted. 71 on Linux (64-bit long), 52 on Windows (32-bit long); the temporary name 5 more: 76 and 57. */
#define SPOOL_NAME_MAX                                                                                                 \
  (SPOOL_TIME_CHARS + 1 + SPOOL_UNSIGNED_CHARS(unsigned long) + 1 + SPOOL_SIGNED_CHARS(long) + 1 +                     \
   (sizeof(SPOOL_INFNO) - 1) + (sizeof(".req") - 1))
#define SPOOL_TEMP_NAME_MAX (1 + SPOOL_NAME_MAX + (sizeof(".tmp") - 1))

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
