/* Text coming from the host: environment variables, and option values that a caller or prealert.ini
   may have written in the ANSI code page (GBK on Chinese Windows) rather than UTF-8. */
#ifndef PREALERT_HOST_TEXT_H
#define PREALERT_HOST_TEXT_H

#include <stddef.h>

/* Copies the variable's value as UTF-8; returns 1 when set and non-empty, 0 when unset or empty, -1 when set but
   unusable (longer than capacity, or on Windows than 1023 UTF-16 units): value is then "". */
int host_env_utf8(const char *name, char *value, size_t capacity);

/* Whether text that is not UTF-8 can be read in another code page: Windows's ANSI one (GBK on a Chinese Windows).
   Linux and the domestic systems have none, so there such text is unreadable, line by line. */
int host_text_has_ansi_page(void);

/* Whether text with no byte-order mark is best read as UTF-8: it is valid UTF-8 and, on a Windows whose
   ANSI code page is a double-byte one (GBK, Big5, …), not made only of two-byte characters, which is how
   GBK text that happens to be valid UTF-8 looks. */
int host_text_is_utf8(const char *text);

/* Copies text as UTF-8, read as UTF-8 when host_text_is_utf8 says so and otherwise, on Windows, as the
   ANSI code page. Returns 0, or -1 when it does not fit or cannot be read. */
int host_text_to_utf8(const char *text, char *utf8, size_t capacity);

/* The ANSI code page's text as UTF-8 (Windows only; -1 elsewhere). */
int host_text_ansi_to_utf8(const char *text, char *utf8, size_t capacity);

/* Copies text known to be UTF-8 (a file with a UTF-8 byte-order mark); -1 when it is not valid. */
int host_text_copy_utf8(const char *text, char *utf8, size_t capacity);

/* UTF-16LE bytes (a file Notepad saved as "Unicode") as UTF-8, up to the first NUL; -1 when they hold a
   lone surrogate or do not fit. */
int host_text_utf16le_to_utf8(const unsigned char *bytes, size_t length, char *utf8, size_t capacity);

#endif
