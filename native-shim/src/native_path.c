#include "native_path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Any object inside this library: asking the loader which module holds it finds the shim itself. */
static const char module_anchor = 0;

#if defined(_WIN32)
#  include <windows.h>
#  define SEPARATOR L'\\'
#else
#  include <dlfcn.h>
#  include <pthread.h>
#  include <pwd.h>
#  include <stdlib.h>
#  include <sys/stat.h>
#  include <unistd.h>
#  define SEPARATOR '/'
#endif

static size_t path_length(const native_path *path) {
#if defined(_WIN32)
  return wcslen(path->text);
#else
  return strlen(path->text);
#endif
}

int native_path_is_empty(const native_path *path) { return path->text[0] == 0; }

int native_path_utf8_is_absolute(const char *utf8) {
  if (utf8[0] == '\0') return 1;
#if defined(_WIN32)
  char drive = utf8[0];
  int letter = (drive >= 'A' && drive <= 'Z') || (drive >= 'a' && drive <= 'z');
  if (letter && utf8[1] == ':' && (utf8[2] == '\\' || utf8[2] == '/')) return 1;
  return (utf8[0] == '\\' || utf8[0] == '/') && (utf8[1] == '\\' || utf8[1] == '/'); /* \\server\share */
#else
  return utf8[0] == '/';
#endif
}

const char *native_path_error_name(int error) {
  switch (error) {
  case ENOENT: return "ENOENT";
  case EACCES: return "EACCES";
  case EPERM: return "EPERM";
  case ENOTDIR: return "ENOTDIR";
  case EISDIR: return "EISDIR";
  case ELOOP: return "ELOOP";
  case EIO: return "EIO";
  default: return "E?";
  }
}

int native_path_from_utf8(native_path *path, const char *utf8) {
#if defined(_WIN32)
  if (utf8[0] == '\0') {
    path->text[0] = 0;
    return 0;
  }
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, path->text, NATIVE_PATH_MAX);
  if (n <= 0) {
    path->text[0] = 0;
    return -1;
  }
  return 0;
#else
  size_t n = strlen(utf8);
  if (n >= NATIVE_PATH_MAX) {
    path->text[0] = 0;
    return -1;
  }
  memcpy(path->text, utf8, n + 1);
  return 0;
#endif
}

int native_path_append(native_path *path, const char *ascii_name) {
  size_t length = path_length(path);
  size_t name_length = strlen(ascii_name);
  int needs_separator = length > 0 && path->text[length - 1] != SEPARATOR
#if defined(_WIN32)
                        && path->text[length - 1] != L'/'
#endif
      ;
  if (length + (size_t)needs_separator + name_length + 1 > NATIVE_PATH_MAX) return -1;
  if (needs_separator) path->text[length++] = SEPARATOR;
  for (size_t i = 0; i <= name_length; ++i) path->text[length + i] = (path_char)(unsigned char)ascii_name[i];
  return 0;
}

int native_path_append_suffix(native_path *path, const char *ascii_suffix) {
  size_t length = path_length(path);
  size_t suffix_length = strlen(ascii_suffix);
  if (length + suffix_length + 1 > NATIVE_PATH_MAX) return -1;
  for (size_t i = 0; i <= suffix_length; ++i) path->text[length + i] = (path_char)(unsigned char)ascii_suffix[i];
  return 0;
}

/* Appends UTF-8 text (which may hold separators) after a separator, as native_path_append does an ASCII name. */
static int append_utf8(native_path *path, const char *utf8) {
  if (utf8[0] == '\0') return 0;
  size_t length = path_length(path);
  int needs_separator = length > 0 && path->text[length - 1] != SEPARATOR
#if defined(_WIN32)
                        && path->text[length - 1] != L'/'
#endif
      ;
  if (length + (size_t)needs_separator + 1 >= NATIVE_PATH_MAX) return -1;
  size_t start = length + (size_t)needs_separator;
#if defined(_WIN32)
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, path->text + start,
                              (int)(NATIVE_PATH_MAX - start));
  if (n <= 0) {
    path->text[length] = 0;
    return -1;
  }
#else
  size_t n = strlen(utf8);
  if (start + n >= NATIVE_PATH_MAX) return -1;
  memcpy(path->text + start, utf8, n + 1);
#endif
  if (needs_separator) path->text[length] = SEPARATOR;
  return 0;
}

/* `~` alone or followed by a separator: the account's home. */
static int starts_with_home(const char *utf8) {
  if (utf8[0] != '~') return 0;
#if defined(_WIN32)
  return utf8[1] == '\0' || utf8[1] == '/' || utf8[1] == '\\';
#else
  return utf8[1] == '\0' || utf8[1] == '/';
#endif
}

int native_path_from_setting(native_path *path, const char *utf8) {
  /* PREALERT_DATA_DIR is set machine-wide for the HIS and the sidecar alike, and the sidecar reads `~/…` against the
     account's home: refused here as relative, the shim kept its default data dir and found no port file or token
     where the sidecar wrote them, and spooled 3103s where the sidecar never replays them. */
  if (starts_with_home(utf8)) {
    native_path home;
    if (native_path_home(&home) != 0) return -1;
    const char *rest = utf8 + 1;
    while (*rest == '/'
#if defined(_WIN32)
           || *rest == '\\'
#endif
    )
      ++rest;
    if (append_utf8(&home, rest) != 0) return -1;
    *path = home;
    return 0;
  }
  if (!native_path_utf8_is_absolute(utf8)) return -1; /* `~name` among them: not the account prealert runs as */
  return native_path_from_utf8(path, utf8);
}

static void strip_to_directory(native_path *path) {
  size_t length = path_length(path);
  while (length > 0 && path->text[length - 1] != SEPARATOR
#if defined(_WIN32)
         && path->text[length - 1] != L'/'
#endif
  ) {
    --length;
  }
  path->text[length] = 0;
}

#if defined(_WIN32)

int native_path_module_directory(native_path *path) {
  HMODULE self = NULL;
  path->text[0] = 0;
  if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                          (LPCWSTR)(const void *)&module_anchor, &self)) {
    return -1;
  }
  /* The loader's full path, whatever name LoadLibrary was given (`prealert.dll`, `.\prealert.dll`), so a HIS that
     changes directory after loading needs nothing resolved at load time here, unlike dladdr on Linux. */
  DWORD n = GetModuleFileNameW(self, path->text, NATIVE_PATH_MAX);
  if (n == 0 || n >= NATIVE_PATH_MAX) {
    path->text[0] = 0;
    return -1;
  }
  strip_to_directory(path);
  return 0;
}

int native_path_default_data_dir(native_path *path) {
  DWORD n = GetEnvironmentVariableW(L"LOCALAPPDATA", path->text, NATIVE_PATH_MAX);
  if (n == 0 || n >= NATIVE_PATH_MAX) {
    path->text[0] = 0;
    return -1;
  }
  return native_path_append(path, "prealert");
}

int native_path_home(native_path *path) {
  DWORD n = GetEnvironmentVariableW(L"USERPROFILE", path->text, NATIVE_PATH_MAX);
  /* Unset or too long: the buffer was not written, so it is not read. */
  if (n == 0 || n >= NATIVE_PATH_MAX) {
    path->text[0] = 0;
    return -1;
  }
  int letter = (path->text[0] >= L'A' && path->text[0] <= L'Z') || (path->text[0] >= L'a' && path->text[0] <= L'z');
  int absolute = (letter && path->text[1] == L':' && (path->text[2] == L'\\' || path->text[2] == L'/')) ||
                 ((path->text[0] == L'\\' || path->text[0] == L'/') && (path->text[1] == L'\\' || path->text[1] == L'/'));
  if (!absolute) {
    path->text[0] = 0;
    return -1;
  }
  return 0;
}

int native_path_machine_data_dir(native_path *path) {
  DWORD n = GetEnvironmentVariableW(L"ProgramData", path->text, NATIVE_PATH_MAX);
  if (n == 0 || n >= NATIVE_PATH_MAX) {
    path->text[0] = 0;
    return -1;
  }
  return native_path_append(path, "prealert");
}

int native_path_is_directory(const native_path *path) {
  DWORD attributes = GetFileAttributesW(path->text);
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
}

int native_path_is_file(const native_path *path) {
  DWORD attributes = GetFileAttributesW(path->text);
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) == 0;
}

static int errno_of_windows(DWORD code) {
  switch (code) {
  case ERROR_FILE_NOT_FOUND:
  case ERROR_PATH_NOT_FOUND: return ENOENT;
  case ERROR_ACCESS_DENIED:
  case ERROR_SHARING_VIOLATION: return EACCES;
  default: return EIO;
  }
}

long native_path_read_small_file(const native_path *path, char *buffer, size_t capacity, int *error) {
  buffer[0] = '\0';
  if (error != NULL) *error = 0;
  HANDLE file = CreateFileW(path->text, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                            OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  if (file == INVALID_HANDLE_VALUE) {
    if (error != NULL) *error = errno_of_windows(GetLastError());
    return -1;
  }
  DWORD got = 0;
  BOOL ok = ReadFile(file, buffer, (DWORD)(capacity - 1), &got, NULL);
  if (!ok && error != NULL) *error = errno_of_windows(GetLastError());
  CloseHandle(file);
  if (!ok) return -1;
  buffer[got] = '\0';
  return (long)got;
}

int native_path_to_utf8(const native_path *path, char *utf8, size_t capacity) {
  int n = WideCharToMultiByte(CP_UTF8, 0, path->text, -1, utf8, (int)capacity, NULL, NULL);
  if (n <= 0) {
    if (capacity > 0) utf8[0] = '\0';
    return -1;
  }
  return 0;
}

int native_path_module_target_directory(native_path *path) {
  path->text[0] = 0;
  return -1;
}

#else

/* glibc's dladdr gives back the name the HIS passed to dlopen: `./libprealert.so` or `lib/libprealert.so` means the
   working directory of the moment it was loaded, and a HIS that changes directory afterwards (a file dialog, a report
   module) had the shim look for prealert.ini against the new one, silently. So the name is made absolute once, at
   load time: a constructor runs inside dlopen, before it returns and so before any chdir of the HIS; pthread_once
   lets a first call do it should the constructor not have run. Only the name is kept, not the link's target: an
   upgrade may re-point /usr/lib/libprealert.so at another version's folder and remove the old one, and IT's
   `reset` must then find the ini in the new folder, as it did when the link was followed at every read. */
static pthread_once_t module_name_once = PTHREAD_ONCE_INIT;
static char loaded_name[NATIVE_PATH_MAX]; /* "" when the loader named no file */

static void remember_module_name(void) {
  Dl_info info;
  if (dladdr(&module_anchor, &info) == 0 || info.dli_fname == NULL) return;
  const char *name = info.dli_fname;
  char working[NATIVE_PATH_MAX];
  /* A relative name joined to the working directory keeps the link's own folder (the ini beside a link comes first),
     which realpath would not. */
  if (name[0] != '/' && getcwd(working, sizeof(working)) != NULL) {
    const char *rest = name;
    while (rest[0] == '.' && rest[1] == '/') {
      rest += 2;
      while (rest[0] == '/') ++rest;
    }
    size_t length = strlen(working);
    const char *separator = length > 0 && working[length - 1] == '/' ? "" : "/";
    int n = snprintf(loaded_name, sizeof(loaded_name), "%s%s%s", working, separator, rest);
    if (n > 0 && (size_t)n < sizeof(loaded_name)) return;
  }
  /* Without a working directory (removed, longer than a path here) or with one that leaves no room for the name, the
     name stays as given: right as long as the HIS has not changed directory, as in builds before the load-time
     resolution, and its link still followed to the ini beside the target. Left empty, no ini would be looked for. */
  if (strlen(name) < sizeof(loaded_name)) {
    strcpy(loaded_name, name);
  } else {
    loaded_name[0] = '\0';
  }
}

#if defined(__GNUC__)
__attribute__((constructor)) static void remember_module_name_at_load(void) {
  pthread_once(&module_name_once, remember_module_name);
}
#endif

int native_path_module_directory(native_path *path) {
  pthread_once(&module_name_once, remember_module_name);
  if (native_path_from_utf8(path, loaded_name) != 0) return -1;
  strip_to_directory(path);
  return native_path_is_empty(path) ? -1 : 0;
}

int native_path_module_target_directory(native_path *path) {
  pthread_once(&module_name_once, remember_module_name);
  path->text[0] = 0;
  if (loaded_name[0] == '\0') return -1;
  char *resolved = realpath(loaded_name, NULL);
  if (resolved == NULL) return -1;
  int rc = native_path_from_utf8(path, resolved);
  free(resolved);
  if (rc != 0) return -1;
  strip_to_directory(path);
  return 0;
}

/* The password database's home of the account the HIS runs as, looked up once: the lookup may go to a directory
   service (LDAP, sssd) on a domain workstation, which must not be asked at every call; the uid does not change. */
static pthread_once_t account_home_once = PTHREAD_ONCE_INIT;
static char account_home[NATIVE_PATH_MAX];

static void look_up_account_home(void) {
  char entry_text[4096];
  struct passwd entry, *found = NULL;
  if (getpwuid_r(getuid(), &entry, entry_text, sizeof(entry_text), &found) != 0 || found == NULL) return;
  if (found->pw_dir == NULL || found->pw_dir[0] != '/' || strlen(found->pw_dir) >= sizeof(account_home)) return;
  strcpy(account_home, found->pw_dir);
}

int native_path_home(native_path *path) {
  const char *home = getenv("HOME");
  /* Unset or empty (a HIS started by systemd, a supervisor or a kiosk launcher, or through `env HOME=`), or
     relative: the account's own home, where the sidecar started the same way keeps its data. */
  if (home == NULL || home[0] != '/') {
    pthread_once(&account_home_once, look_up_account_home);
    home = account_home[0] == '/' ? account_home : NULL;
  }
  if (home == NULL) {
    path->text[0] = 0;
    return -1;
  }
  return native_path_from_utf8(path, home);
}

int native_path_default_data_dir(native_path *path) {
  const char *xdg = getenv("XDG_DATA_HOME");
  if (xdg != NULL && xdg[0] == '/') {
    if (native_path_from_utf8(path, xdg) != 0) return -1;
    return native_path_append(path, "prealert");
  }
  if (native_path_home(path) != 0) return -1;
  return native_path_append(path, ".local/share/prealert");
}

int native_path_machine_data_dir(native_path *path) { return native_path_from_utf8(path, "/var/lib/prealert"); }

int native_path_is_directory(const native_path *path) {
  struct stat info;
  return stat(path->text, &info) == 0 && S_ISDIR(info.st_mode);
}

int native_path_is_file(const native_path *path) {
  struct stat info;
  return stat(path->text, &info) == 0 && !S_ISDIR(info.st_mode);
}

long native_path_read_small_file(const native_path *path, char *buffer, size_t capacity, int *error) {
  buffer[0] = '\0';
  if (error != NULL) *error = 0;
  FILE *file = fopen(path->text, "rbe"); /* e: close-on-exec, so a HIS that forks leaks nothing */
  if (file == NULL) {
    if (error != NULL) *error = errno;
    return -1;
  }
  size_t got = fread(buffer, 1, capacity - 1, file);
  int failed = ferror(file);
  if (failed && error != NULL) *error = errno != 0 ? errno : EIO;
  fclose(file);
  if (failed) return -1;
  buffer[got] = '\0';
  return (long)got;
}

int native_path_to_utf8(const native_path *path, char *utf8, size_t capacity) {
  size_t n = strlen(path->text);
  if (n >= capacity) {
    if (capacity > 0) utf8[0] = '\0';
    return -1;
  }
  memcpy(utf8, path->text, n + 1);
  return 0;
}

#endif
