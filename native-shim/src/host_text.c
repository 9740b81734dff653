#include "compat.h"
#include "host_text.h"

#include <string.h>

#if defined(_WIN32)
#  include <windows.h>
#else
#  include <stdlib.h>
#endif

static int is_valid_utf8(const unsigned char *text) {
  while (*text) {
    unsigned c = *text;
    int follow = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
    if (follow < 0 || (follow == 1 && c < 0xC2)) return 0;
    ++text;
    for (int i = 0; i < follow; ++i, ++text) {
      if ((*text & 0xC0) != 0x80) return 0;
    }
  }
  return 1;
}

static int copy_text(const char *text, char *out, size_t capacity) {
  size_t n = strlen(text);
  if (n >= capacity) return -1;
  memcpy(out, text, n + 1);
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
  if (n == 0 || n >= 1024) return 0;
  return wide_to_utf8(wide_value, value, capacity) == 0 && value[0] != '\0';
}

int host_text_to_utf8(const char *text, char *utf8, size_t capacity) {
  if (is_valid_utf8((const unsigned char *)text)) return copy_text(text, utf8, capacity);
  wchar_t wide[1024];
  if (MultiByteToWideChar(CP_ACP, 0, text, -1, wide, 1024) <= 0) return -1;
  return wide_to_utf8(wide, utf8, capacity);
}

#else

int host_env_utf8(const char *name, char *value, size_t capacity) {
  value[0] = '\0';
  const char *found = getenv(name);
  if (found == NULL || found[0] == '\0') return 0;
  return copy_text(found, value, capacity) == 0;
}

int host_text_to_utf8(const char *text, char *utf8, size_t capacity) {
  if (!is_valid_utf8((const unsigned char *)text)) return -1;
  return copy_text(text, utf8, capacity);
}

#endif
