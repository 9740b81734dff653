#include "rotating_log.h"
#include "sync.h"

#include <stdio.h>
#include <string.h>

#if defined(_WIN32)
#  include <windows.h>
#else
#  include <fcntl.h>
#  include <sys/stat.h>
#  include <time.h>
#  include <unistd.h>
#endif

/* Only one thread of this process rotates at a time; the others append to whichever file they opened. */
static shim_mutex rotation = SHIM_MUTEX_INIT;

/* path + ".1". A log path without room for it is refused when set (config.c paths_fit), so rotation is never the
   step that finds a path too long. */
static int rotated_name(const native_path *path, native_path *rotated) {
  *rotated = *path;
  return native_path_append_suffix(rotated, ".1");
}

/* "2026-11-30 21:05:01.123 +0800": local time, as the HIS's own logs and the IT staff reading them use. */
static size_t format_now(char *text, size_t capacity) {
  int written;
#if defined(_WIN32)
  SYSTEMTIME local;
  GetLocalTime(&local);
  TIME_ZONE_INFORMATION zone;
  DWORD mode = GetTimeZoneInformation(&zone);
  long bias = zone.Bias + (mode == TIME_ZONE_ID_DAYLIGHT ? zone.DaylightBias : zone.StandardBias);
  long offset = -bias; /* Bias is UTC minus local, in minutes */
  written = snprintf(text, capacity, "%04u-%02u-%02u %02u:%02u:%02u.%03u %c%02ld%02ld", local.wYear, local.wMonth,
                     local.wDay, local.wHour, local.wMinute, local.wSecond, local.wMilliseconds,
                     offset < 0 ? '-' : '+', (offset < 0 ? -offset : offset) / 60, (offset < 0 ? -offset : offset) % 60);
#else
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm local;
  if (localtime_r(&now.tv_sec, &local) == NULL) return 0;
  long offset = local.tm_gmtoff / 60;
  written = snprintf(text, capacity, "%04d-%02d-%02d %02d:%02d:%02d.%03ld %c%02ld%02ld", local.tm_year + 1900,
                     local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec,
                     now.tv_nsec / 1000000, offset < 0 ? '-' : '+', (offset < 0 ? -offset : offset) / 60,
                     (offset < 0 ? -offset : offset) % 60);
#endif
  return written > 0 && (size_t)written < capacity ? (size_t)written : 0;
}

static unsigned long process_id(void) {
#if defined(_WIN32)
  return (unsigned long)GetCurrentProcessId();
#else
  return (unsigned long)getpid();
#endif
}

#if defined(_WIN32)

typedef HANDLE log_file;
#  define NO_LOG_FILE INVALID_HANDLE_VALUE

/* FILE_SHARE_DELETE lets another thread or process rename the file to .1 while this one has it open. */
static log_file open_for_append(const native_path *path, long long *size) {
  HANDLE file = CreateFileW(path->text, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                            NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  if (file == INVALID_HANDLE_VALUE) return NO_LOG_FILE;
  LARGE_INTEGER length;
  if (GetFileType(file) != FILE_TYPE_DISK || !GetFileSizeEx(file, &length)) {
    CloseHandle(file);
    return NO_LOG_FILE;
  }
  *size = length.QuadPart;
  return file;
}

static void append_and_close(log_file file, const char *line, size_t length) {
  DWORD written = 0;
  WriteFile(file, line, (DWORD)length, &written, NULL);
  CloseHandle(file);
}

static void close_file(log_file file) { CloseHandle(file); }

static void rotate(const native_path *path, const native_path *rotated) {
  MoveFileExW(path->text, rotated->text, MOVEFILE_REPLACE_EXISTING);
}

#else

typedef int log_file;
#  define NO_LOG_FILE (-1)

/* O_NONBLOCK: a FIFO named as the log must not hold the call in open() waiting for a reader; only regular files
   are written. */
static log_file open_for_append(const native_path *path, long long *size) {
  int fd = open(path->text, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd < 0) return NO_LOG_FILE;
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return NO_LOG_FILE;
  }
  *size = (long long)info.st_size;
  return fd;
}

static void append_and_close(log_file file, const char *line, size_t length) {
  ssize_t written = write(file, line, length);
  (void)written; /* a log that cannot be written is ignored */
  close(file);
}

static void close_file(log_file file) { close(file); }

static void rotate(const native_path *path, const native_path *rotated) { rename(path->text, rotated->text); }

#endif

void rotating_log_append(const native_path *path, long max_bytes, const char *event) {
  if (native_path_is_empty(path)) return;
  char line[ROTATING_LOG_LINE_MAX];
  size_t used = format_now(line, sizeof(line));
  int written = snprintf(line + used, sizeof(line) - used, " pid=%lu %s", process_id(), event);
  if (written < 0) return;
  used += (size_t)written < sizeof(line) - used ? (size_t)written : sizeof(line) - used - 1;
  line[used++] = '\n'; /* a cut event still ends its line, so the next one starts on its own */

  long long size = 0;
  log_file file = open_for_append(path, &size);
  if (file == NO_LOG_FILE) return;
  if (size + (long long)used > max_bytes && shim_mutex_trylock(&rotation)) {
    native_path rotated;
    /* Another process (a second HIS on the same file) may have rotated since the open: only a file that is
       still over the bound is moved, judged by a fresh open of the name. */
    close_file(file);
    file = open_for_append(path, &size);
    if (file != NO_LOG_FILE && size + (long long)used > max_bytes && rotated_name(path, &rotated) == 0) {
      close_file(file);
      rotate(path, &rotated);
      file = open_for_append(path, &size);
    }
    shim_mutex_unlock(&rotation);
    if (file == NO_LOG_FILE) return;
  }
  append_and_close(file, line, used);
}
