#include "compat.h"
#include "host_text.h"

#include <string.h>

#if defined(_WIN32)
#  include <windows.h>
#else
#  include <stdlib.h>
#endif

/* Counts the non-ASCII characters of valid UTF-8 text by their length in bytes; returns 0 when the text
   is not valid UTF-8. */
static int scan_utf8(const unsigned char *text, int *two_byte, int *longer) {
  *two_byte = 0;
  *longer = 0;
  while (*text) {
    unsigned c = *text;
    int follow = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
    if (follow < 0 || (follow == 1 && c < 0xC2)) return 0;
    ++text;
    for (int i = 0; i < follow; ++i, ++text) {
      if ((*text & 0xC0) != 0x80) return 0;
    }
    if (follow == 1) ++*two_byte;
    else if (follow > 1) ++*longer;
  }
  return 1;
}

static int copy_text(const char *text, char *out, size_t capacity) {
  size_t n = strlen(text);
  if (n >= capacity) return -1;
  memcpy(out, text, n + 1);
  return 0;
}

static int put_utf8(unsigned long point, char *out, size_t capacity, size_t *at) {
  unsigned char bytes[4];
  size_t n = point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
  if (n == 1) bytes[0] = (unsigned char)point;
  else {
    for (size_t i = n - 1; i > 0; --i, point >>= 6) bytes[i] = (unsigned char)(0x80 | (point & 0x3F));
    bytes[0] = (unsigned char)((n == 2 ? 0xC0 : n == 3 ? 0xE0 : 0xF0) | point);
  }
  if (*at + n >= capacity) return -1;
  memcpy(out + *at, bytes, n);
  *at += n;
  return 0;
}

int host_text_utf16le_to_utf8(const unsigned char *bytes, size_t length, char *utf8, size_t capacity) {
  size_t at = 0;
  utf8[0] = '\0';
  for (size_t i = 0; i + 1 < length; i += 2) {
    unsigned long unit = bytes[i] | ((unsigned long)bytes[i + 1] << 8);
    if (unit == 0) break;
    if (unit >= 0xD800 && unit <= 0xDBFF && i + 3 < length) {
      unsigned long low = bytes[i + 2] | ((unsigned long)bytes[i + 3] << 8);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        i += 2;
      }
    }
    if (unit >= 0xD800 && unit <= 0xDFFF) return -1; /* a lone surrogate: not text */
    if (put_utf8(unit, utf8, capacity, &at) != 0) return -1;
  }
  utf8[at] = '\0';
  return 0;
}

#if defined(_WIN32)

static int wide_to_utf8(const wchar_t *wide, char *out, size_t capacity) {
  int n = WideCharToMultiByte(CP_UTF8, 0, wide, -1, out, (int)capacity, NULL, NULL);
  if (n <= 0) {
    out[0] = '\0';
    return -1;
  }
  return 0;
}

int host_env_utf8(const char *name, char *value, size_t capacity) {
  wchar_t wide_name[64];
  wchar_t wide_value[1024];
  value[0] = '\0';
  if (MultiByteToWideChar(CP_UTF8, 0, name, -1, wide_name, 64) <= 0) return 0;
  DWORD n = GetEnvironmentVariableW(wide_name, wide_value, 1024);
  if (n == 0) return 0;
  if (n >= 1024 || wide_to_utf8(wide_value, value, capacity) != 0) {
    value[0] = '\0';
    return -1;
  }
  return 1;
}

int host_text_has_ansi_page(void) { return 1; }

/* The double-byte ANSI code pages: GBK, Big5, Shift-JIS, Korean (and GB18030 set as the ANSI page). */
static int ansi_page_is_double_byte(void) {
  UINT page = GetACP();
  return page == 936 || page == 950 || page == 932 || page == 949 || page == 54936;
}

int host_text_is_utf8(const char *text) {
  int two_byte, longer;
  if (!scan_utf8((const unsigned char *)text, &two_byte, &longer)) return 0;
  /* Chinese takes three bytes a character in UTF-8. Text of two-byte characters only (U+0080-U+07FF:
     accented Latin, Greek, Cyrillic) is, on a Chinese Windows, GBK that happens to be valid UTF-8:
     "医院" in GBK is D2 BD D4 BA, two valid two-byte sequences. */
  return !(two_byte > 0 && longer == 0 && ansi_page_is_double_byte());
}

int host_text_ansi_to_utf8(const char *text, char *utf8, size_t capacity) {
  wchar_t wide[1024];
  if (MultiByteToWideChar(CP_ACP, 0, text, -1, wide, 1024) <= 0) return -1;
  return wide_to_utf8(wide, utf8, capacity);
}

#else

int host_env_utf8(const char *name, char *value, size_t capacity) {
  value[0] = '\0';
  const char *found = getenv(name);
  if (found == NULL || found[0] == '\0') return 0;
  if (copy_text(found, value, capacity) != 0) {
    value[0] = '\0';
    return -1;
  }
  return 1;
}

int host_text_has_ansi_page(void) { return 0; }

int host_text_is_utf8(const char *text) {
  int two_byte, longer;
  return scan_utf8((const unsigned char *)text, &two_byte, &longer);
}

/* Linux and the domestic systems run in UTF-8: there is no other code page to read. */
int host_text_ansi_to_utf8(const char *text, char *utf8, size_t capacity) {
  (void)text;
  (void)capacity;
  utf8[0] = '\0';
  return -1;
}

#endif

int host_text_to_utf8(const char *text, char *utf8, size_t capacity) {
  if (host_text_is_utf8(text)) return copy_text(text, utf8, capacity);
  return host_text_ansi_to_utf8(text, utf8, capacity);
}

int host_text_copy_utf8(const char *text, char *utf8, size_t capacity) {
  int two_byte, longer;
  if (!scan_utf8((const unsigned char *)text, &two_byte, &longer)) return -1;
  return copy_text(text, utf8, capacity);
}
