/* Text coming from the host: environment variables, and option values that a caller or prealert.ini
   may have written in the ANSI code page (GBK on Chinese Windows) rather than UTF-8. */
#ifndef PREALERT_HOST_TEXT_H
#define PREALERT_HOST_TEXT_H

#include <stddef.h>

/* Copies the variable's value as UTF-8; returns 1 when set and non-empty, 0 otherwise. */
int host_env_utf8(const char *name, char *value, size_t capacity);

/* Copies text as UTF-8: unchanged when it already is valid UTF-8; on Windows, otherwise read as the
   ANSI code page. Returns 0, or -1 when it does not fit or cannot be read. */
int host_text_to_utf8(const char *text, char *utf8, size_t capacity);

#endif
