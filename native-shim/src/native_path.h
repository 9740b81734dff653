/* Paths in the OS's own form (UTF-16 on Windows, so a Chinese user name in %LOCALAPPDATA% works),
   and the few files the shim reads: prealert.ini, the sidecar's port file and a token file. */
#ifndef PREALERT_NATIVE_PATH_H
#define PREALERT_NATIVE_PATH_H

#include "compat.h"
#include <stddef.h>

#if defined(_WIN32)
#  include <wchar.h>
typedef wchar_t path_char;
#else
typedef char path_char;
#endif

/* Room for a path, NUL included. On Windows, MAX_PATH: without the `\\?\` prefix (which the shim does not use, see
   README "Path limits") Win32 file calls refuse a longer path, so a path option that would lead to one is refused
   when it is set, naming the option, instead of failing at the first file it names. */
#if defined(_WIN32)
#  define NATIVE_PATH_MAX 260
#else
#  define NATIVE_PATH_MAX 1024
#endif

typedef struct {
  path_char text[NATIVE_PATH_MAX];
} native_path;

/* Each returns 0 on success and -1 when the result would not fit (or the input is not UTF-8). */
int native_path_from_utf8(native_path *path, const char *utf8);
int native_path_append(native_path *path, const char *ascii_name);
/* Appends ASCII text to the last name itself, with no separator: `<log>.1`. */
int native_path_append_suffix(native_path *path, const char *ascii_suffix);
int native_path_is_empty(const native_path *path);
/* Whether a path option's value is absolute by this platform's rules, or "" (unset): POSIX `/…`; Windows `C:\…`,
   `C:/…` or `\\server\share\…` (`\foo` and `C:foo` depend on the current drive or its folder, so they are not).
   A relative one would be read from the HIS's working directory, wherever the HIS was started from. */
int native_path_utf8_is_absolute(const char *utf8);
/* A path option's value in the OS's form: "" (unset), an absolute path, or one that starts with `~/` (also `~\` on
   Windows) or is `~` alone, read against native_path_home as the sidecar reads its path settings (config.ts
   pathSetting). Returns -1 for anything else: relative, `~name` (another account's home), `~/…` with no home, too
   long, or not UTF-8. */
int native_path_from_setting(native_path *path, const char *utf8);
/* The home of the account the HIS runs as, as the sidecar's userHome (sidecar/src/home-dir.ts) finds it: on POSIX HOME
   when that is absolute, else the password database's (looked up once); on Windows USERPROFILE when absolute, else
   none (the sidecar then asks the profile API, which the shim does not import). -1 when there is none. */
int native_path_home(native_path *path);

/* Directory holding this shim library, with a trailing separator. On Linux a library loaded by a relative name
   (`dlopen("./libprealert.so")`) has that name joined to the working directory when it was loaded, so a HIS that
   changes directory afterwards still has its ini found; without a working directory to join (removed, or too long
   to fit with the name) it stays relative, read against the working directory of the moment. */
int native_path_module_directory(native_path *path);
/* Directory of the file the shim library is once symbolic links are followed, with a trailing separator (Linux; -1 on
   Windows, which loads no DLL through a link). A HIS may load it through a link in a library folder while the vendor
   installed prealert.ini beside the file itself. The link is followed at each call, so one re-pointed since the load
   (an upgrade to another version's folder) leads to where it points now. */
int native_path_module_target_directory(native_path *path);
/* The sidecar's per-user data directory: %LOCALAPPDATA%\prealert on Windows,
   $XDG_DATA_HOME/prealert or ~/.local/share/prealert elsewhere (PREALERT_DATA_DIR is handled by config). The home
   is HOME when that is an absolute path, else the password database's (unset or empty in a HIS started by a
   service manager or a kiosk launcher), as the sidecar resolves it (sidecar/src/home-dir.ts). */
int native_path_default_data_dir(native_path *path);
/* The data directory of a sidecar installed for the whole machine (PREALERT_DATA_SCOPE=machine):
   %ProgramData%\prealert on Windows, /var/lib/prealert elsewhere. */
int native_path_machine_data_dir(native_path *path);
/* Whether the path names an existing directory. */
int native_path_is_directory(const native_path *path);
/* Whether the path names an existing file (anything but a directory). */
int native_path_is_file(const native_path *path);

/* Reads at most capacity - 1 bytes and NUL-terminates; returns the byte count, or -1 if unreadable. `error`
   (may be NULL) is then why, as an errno value (Windows errors mapped to ENOENT, EACCES or EIO), else 0. */
long native_path_read_small_file(const native_path *path, char *buffer, size_t capacity, int *error);

/* An errno value as its name, "EACCES", for a log line ("E?" for one not listed). */
const char *native_path_error_name(int error);

/* The path as UTF-8, for a log line; "" (and -1) when it does not fit. */
int native_path_to_utf8(const native_path *path, char *utf8, size_t capacity);

#endif
