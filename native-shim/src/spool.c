#include "spool.h"
#include "clock.h"
#include "sync.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(_WIN32)
#  include <windows.h>
#else
#  include <dirent.h>
#  include <errno.h>
#  include <fcntl.h>
#  include <sys/stat.h>
#  include <time.h>
#  include <unistd.h>
#endif

_Static_assert(SPOOL_TIME_CHARS >= 15, "the time's field width is counted by the widest value it prints");

/* Distinguishes files written by threads of one process within the same millisecond. */
static volatile long sequence;

static long next_sequence(void) {
#if defined(_WIN32)
  return InterlockedIncrement(&sequence);
#else
  return __atomic_add_fetch(&sequence, 1, __ATOMIC_RELAXED);
#endif
}

static int64_t wall_clock_ms(void) {
#if defined(_WIN32)
  FILETIME now;
  GetSystemTimeAsFileTime(&now);
  uint64_t ticks = ((uint64_t)now.dwHighDateTime << 32) | now.dwLowDateTime; /* 100 ns since 1601 */
  return (int64_t)((ticks - 116444736000000000ULL) / 10000ULL);
#else
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
#endif
}

static unsigned long process_id(void) {
#if defined(_WIN32)
  return (unsigned long)GetCurrentProcessId();
#else
  return (unsigned long)getpid();
#endif
}

/* The parent of a directory path (without its last component); -1 when there is none. */
static int parent_of(const native_path *directory, native_path *parent) {
  *parent = *directory;
  size_t n = 0;
  while (parent->text[n] != 0) ++n;
  while (n > 0 && (parent->text[n - 1] == '/' || parent->text[n - 1] == '\\')) --n; /* trailing separators */
  while (n > 0 && parent->text[n - 1] != '/' && parent->text[n - 1] != '\\') --n;
  if (n <= 1) return -1;
  parent->text[n - 1] = 0;
  return 0;
}

#if defined(_WIN32)

static int make_directory(const native_path *directory) {
  return CreateDirectoryW(directory->text, NULL) || GetLastError() == ERROR_ALREADY_EXISTS ? 0 : -1;
}

static int missing_parent(void) { return GetLastError() == ERROR_PATH_NOT_FOUND; }

/* Bytes in the directory's files (not its subdirectories); -1 when it cannot be listed. */
static long long directory_bytes(const native_path *directory) {
  native_path pattern = *directory;
  if (native_path_append(&pattern, "*") != 0) return -1;
  WIN32_FIND_DATAW entry;
  HANDLE find = FindFirstFileW(pattern.text, &entry);
  if (find == INVALID_HANDLE_VALUE) return GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : -1;
  long long total = 0;
  do {
    if (!(entry.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
      total += ((long long)entry.nFileSizeHigh << 32) | entry.nFileSizeLow;
    }
  } while (FindNextFileW(find, &entry));
  FindClose(find);
  return total;
}

static int write_durably(const native_path *temp, const native_path *final_name, const char *head, size_t head_length,
                         const void *body, size_t body_length) {
  HANDLE file = CreateFileW(temp->text, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
  if (file == INVALID_HANDLE_VALUE) return -1;
  const void *parts[2] = {head, body};
  size_t lengths[2] = {head_length, body_length};
  int ok = 1;
  for (int i = 0; i < 2 && ok; ++i) {
    const char *at = (const char *)parts[i];
    size_t left = lengths[i];
    while (left > 0 && ok) {
      DWORD chunk = left > 0x10000000 ? 0x10000000 : (DWORD)left;
      DWORD written = 0;
      ok = WriteFile(file, at, chunk, &written, NULL) && written > 0;
      at += written;
      left -= written;
    }
  }
  /* The HIS was told infcode 0: the bytes must be on the disk before the name appears. */
  if (ok) ok = FlushFileBuffers(file);
  CloseHandle(file);
  if (ok) ok = MoveFileExW(temp->text, final_name->text, MOVEFILE_WRITE_THROUGH);
  if (!ok) DeleteFileW(temp->text);
  return ok ? 0 : -1;
}

#else

static int make_directory(const native_path *directory) {
  return mkdir(directory->text, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static int missing_parent(void) { return errno == ENOENT; }

static long long directory_bytes(const native_path *directory) {
  DIR *dir = opendir(directory->text);
  if (dir == NULL) return -1;
  long long total = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    struct stat info;
    if (fstatat(dirfd(dir), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(info.st_mode)) {
      total += (long long)info.st_size;
    }
  }
  closedir(dir);
  return total;
}

static int write_all(int fd, const void *data, size_t length) {
  const char *at = (const char *)data;
  while (length > 0) {
    ssize_t written = write(fd, at, length);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return -1;
    at += written;
    length -= (size_t)written;
  }
  return 0;
}

static int write_durably(const native_path *temp, const native_path *final_name, const char *head, size_t head_length,
                         const void *body, size_t body_length) {
  int fd = open(temp->text, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  /* A machine-wide sidecar's spool (sidecar/src/machine-scope-sharing.ts) is setgid: the file takes the sidecar's
     group, and that group may read it, so a sidecar running as a service account replays what a doctor's HIS kept.
     Not others: that is another doctor. Set outright, as the HIS's umask would strip it from open's mode. */
  native_path directory;
  struct stat folder;
  if (parent_of(temp, &directory) == 0 && stat(directory.text, &folder) == 0 && (folder.st_mode & S_ISGID)) {
    fchmod(fd, 0640);
  }
  /* The HIS was told infcode 0: the bytes must be on the disk before the name appears. */
  int ok = write_all(fd, head, head_length) == 0 && write_all(fd, body, body_length) == 0 && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (ok) ok = rename(temp->text, final_name->text) == 0;
  if (!ok) {
    unlink(temp->text);
    return -1;
  }
  /* And the rename itself survives a power cut once the directory is synced. */
  if (parent_of(final_name, &directory) == 0) {
    int dir_fd = open(directory.text, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      fsync(dir_fd);
      close(dir_fd);
    }
  }
  return 0;
}

#endif

/* Creates the directory, and its parent when that is missing too (a data dir the sidecar never made). */
static int ensure_directory(const native_path *directory) {
  if (make_directory(directory) == 0) return 0;
  if (!missing_parent()) return -1;
  native_path parent;
  if (parent_of(directory, &parent) != 0 || make_directory(&parent) != 0) return -1;
  return make_directory(directory);
}

/* What the spool directory holds, as this process last knew it. Listing the directory on every 3103
   would cost the doctor's UI thread time growing with the spool (one stat per file on POSIX), so the
   listing is done once and then kept up to date with the files this process writes. It is listed
   again when the estimate is a minute old (other HIS processes write there too, and the sidecar
   empties it on replay) and, at most once a second, when the estimate says the cap is reached (the
   sidecar may have drained it since). The lock guards these fields only, never I/O. */
#define USAGE_STALE_MS 60000
#define FULL_RECHECK_MS 1000

static shim_mutex usage_lock = SHIM_MUTEX_INIT;
static native_path usage_directory;
static long long usage_bytes = -1; /* -1: not listed yet */
static int64_t usage_listed_ms;

static int same_directory(const native_path *a, const native_path *b) {
#if defined(_WIN32)
  return wcscmp(a->text, b->text) == 0;
#else
  return strcmp(a->text, b->text) == 0;
#endif
}

/* Bytes in the directory (an estimate, see above) that a file of `incoming` bytes would join; -1 when it
   cannot be listed. */
static long long spool_usage(const native_path *directory, long long incoming, long max_bytes) {
  int64_t now = shim_now_ms();
  shim_mutex_lock(&usage_lock);
  int known = usage_bytes >= 0 && same_directory(&usage_directory, directory);
  long long estimate = usage_bytes;
  int64_t age = now - usage_listed_ms;
  shim_mutex_unlock(&usage_lock);
  int looks_full = known && estimate + incoming > max_bytes;
  if (known && age < USAGE_STALE_MS && (!looks_full || age < FULL_RECHECK_MS)) return estimate;

  long long listed = directory_bytes(directory);
  if (listed < 0) return -1;
  shim_mutex_lock(&usage_lock);
  usage_directory = *directory;
  usage_bytes = listed;
  usage_listed_ms = now;
  shim_mutex_unlock(&usage_lock);
  return listed;
}

static void spool_usage_add(const native_path *directory, long long bytes) {
  shim_mutex_lock(&usage_lock);
  if (usage_bytes >= 0 && same_directory(&usage_directory, directory)) usage_bytes += bytes;
  shim_mutex_unlock(&usage_lock);
}

int spool_write(const native_path *directory, long max_bytes, const char *infno, const char *charset,
                const void *body, size_t body_length) {
  if (max_bytes <= 0 || native_path_is_empty(directory)) return 0;
  if (ensure_directory(directory) != 0) return 0;

  int64_t now = wall_clock_ms();
  char head[256];
  int head_length = snprintf(head, sizeof(head),
                             "prealert-spool 1\ninfno: %s\ncharset: %s\ntime_ms: %lld\nlength: %lu\n\n", infno,
                             charset, (long long)now, (unsigned long)body_length);
  if (head_length <= 0 || head_length >= (int)sizeof(head)) return 0;

  /* An estimate, and concurrent callers (threads or other processes) can overshoot by their own files:
     the cap is a bound on disk use, not an exact quota. */
  long long file_bytes = head_length + (long long)body_length;
  long long used = spool_usage(directory, file_bytes, max_bytes);
  if (used < 0 || used + file_bytes > max_bytes) return 0;

  /* Names sort by time, so the sidecar replays a doctor's decisions in the order they were made. */
  char name[SPOOL_NAME_MAX + 1];
  char temp_name[SPOOL_TEMP_NAME_MAX + 1];
  /* SPOOL_NAME_MAX counts these types and this infno; a cut name could be another file's (spool.h). */
  if (strcmp(infno, SPOOL_INFNO) != 0) return 0;
  int name_length =
      snprintf(name, sizeof(name), SPOOL_NAME_FORMAT, (long long)now, process_id(), next_sequence(), infno);
  int temp_length = snprintf(temp_name, sizeof(temp_name), SPOOL_TEMP_NAME_FORMAT, name);
  if (name_length < 0 || name_length >= (int)sizeof(name) || temp_length < 0 || temp_length >= (int)sizeof(temp_name))
    return 0;
  native_path final_path = *directory;
  native_path temp_path = *directory;
  if (native_path_append(&final_path, name) != 0 || native_path_append(&temp_path, temp_name) != 0) return 0;
  if (write_durably(&temp_path, &final_path, head, (size_t)head_length, body, body_length) != 0) return 0;
  spool_usage_add(directory, file_bytes);
  return 1;
}
