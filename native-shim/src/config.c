#include "config.h"
#include "host_text.h"
#include "native_path.h"
#include "rotating_log.h"
#include "spool.h"
#include "sync.h"
#include "version.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  int port; /* 0: discover through the port file */
  int connect_timeout_ms;
  int timeout_3101_ms;
  int timeout_3102_ms;
  int timeout_3103_ms;
  int timeout_other_ms;
  char token[TOKEN_MAX + 1];
  int token_configured; /* set explicitly (possibly to ""): the port file's token is then ignored */
  native_path token_file;
  native_path data_dir; /* empty: the OS default */
  native_path spool_dir; /* empty: <data dir>/spool */
  long spool_max_bytes;  /* 0: 3103 calls that fail open are not spooled */
  native_path log_path;  /* empty: no diagnostics file */
  long log_max_bytes;
  breaker_settings breaker;
} shim_config;

static shim_mutex lock = SHIM_MUTEX_INIT;
static shim_config current;

static void set_defaults(shim_config *config) {
  memset(config, 0, sizeof(*config));
  config->connect_timeout_ms = 150;
  config->timeout_3101_ms = 1500;
  config->timeout_3102_ms = 1500;
  config->timeout_3103_ms = 800;
  config->timeout_other_ms = 1500;
  config->spool_max_bytes = SPOOL_DEFAULT_MAX_BYTES;
  config->log_max_bytes = ROTATING_LOG_DEFAULT_MAX_BYTES;
  config->breaker.open_ms_after_connect_failure = 5000;
  config->breaker.timeouts_to_open = 3;
  config->breaker.open_ms_after_timeouts = 10000;
}

/* Plain decimal within [min, max]; surrounding blanks allowed, nothing else. */
static int parse_int(const char *text, int min, int max, int *value) {
  while (*text == ' ' || *text == '\t') ++text;
  long parsed = 0;
  int digits = 0;
  while (*text >= '0' && *text <= '9') {
    if (++digits > 9) return -1;
    parsed = parsed * 10 + (*text++ - '0');
  }
  while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n') ++text;
  if (digits == 0 || *text != '\0' || parsed < min || parsed > max) return -1;
  *value = (int)parsed;
  return 0;
}

/* A token goes into an HTTP header: printable ASCII only, so it can never inject a line. */
static int is_valid_token(const char *token) {
  size_t n = strlen(token);
  if (n > TOKEN_MAX) return 0;
  for (size_t i = 0; i < n; ++i) {
    if ((unsigned char)token[i] < 0x21 || (unsigned char)token[i] > 0x7e) return 0;
  }
  return 1;
}

/* A deadline in ms: any positive number, capped at DEADLINE_CEILING_MS. Insurance-DLL integrators copy the gateway's
   10 s timeout; refusing it (-4) left their call on the old value, which a HIS that ignores the return code never
   notices, where the cap is what the header promises and keeps a hung sidecar from holding prescribing longer. */
static int parse_deadline(const char *value, int *number) {
  if (parse_int(value, 1, 999999999, number) != 0) return -1;
  if (*number > DEADLINE_CEILING_MS) *number = DEADLINE_CEILING_MS;
  return 0;
}

/* The sidecar's records database (sidecar/src/store/database.ts): a sidecar creates it in its data dir at every
   start, before it listens and writes its port file there. */
#define SIDECAR_DATABASE_FILE "prealert.sqlite"

/* Whether `name` can be appended to `directory` (empty: nothing is placed there). */
static int holds(const native_path *directory, const char *name) {
  native_path probe = *directory;
  return native_path_is_empty(directory) || native_path_append(&probe, name) == 0;
}

/* The longest name a spool file takes in its directory: its temporary one (spool.h). */
static void longest_spool_name(char name[SPOOL_TEMP_NAME_MAX + 1]) {
  memset(name, 'x', SPOOL_TEMP_NAME_MAX);
  name[SPOOL_TEMP_NAME_MAX] = '\0';
}

/* Whether a path option can hold the files the shim names from it whatever the other options say (NATIVE_PATH_MAX:
   on Windows the MAX_PATH Win32 file calls take): a data dir the sidecar's port file and records database (the
   longer name); a spool dir spool files under their temporary names; the log its rotation `<log>.1`. A data dir of
   1023 bytes was taken, and then the port file could not be named: the shim tried 17311 and spooled nothing, with
   nothing in the log. Whether the data dir also holds the spool depends on spool_dir: data_dir_holds_spool. */
static int holds_own_files(const shim_config *config, const native_path *target) {
  if (target == &config->data_dir) return holds(target, SIDECAR_DATABASE_FILE);
  if (target == &config->spool_dir) {
    char name[SPOOL_TEMP_NAME_MAX + 1];
    longest_spool_name(name);
    return holds(target, name);
  }
  if (target == &config->log_path) {
    native_path rotated = *target;
    return native_path_is_empty(target) || native_path_append_suffix(&rotated, ".1") == 0;
  }
  return 1;
}

/* Whether the spool fits where it goes when no spool_dir is set: `<data dir>/spool/<temp name>`. This is the one
   limit two options decide together. The ini and the environment are judged whole once both are in
   (settle_data_dir), so their lines come in any order; prealert_set_option judges it at every call (config_set),
   since a HIS's calls have no end to wait for and a data_dir taken without room lost every 3103 that failed open. */
static int data_dir_holds_spool(const shim_config *config) {
  if (!native_path_is_empty(&config->spool_dir) || native_path_is_empty(&config->data_dir)) return 1;
  char name[SPOOL_TEMP_NAME_MAX + 1];
  longest_spool_name(name);
  native_path spool = config->data_dir;
  return native_path_append(&spool, "spool") == 0 && holds(&spool, name);
}

/* A path option: absolute, `~/…` (the account's home, as the sidecar reads it) or "" (unset), else refused and the
   value before it kept. A relative one is read from the HIS's working directory, which is wherever the HIS was
   started from: a data_dir there has no port file (17311 is tried), a token_file no token, and a spool_dir is one the
   sidecar never replays, so a doctor's decision that failed open was lost while the call said "spooled". A value
   that cannot hold its own files (holds_own_files) is refused too; the answer never depends on the other options. */
static config_set_result set_path(shim_config *config, native_path *target, const char *value) {
  native_path parsed;
  if (native_path_from_setting(&parsed, value) != 0) return CONFIG_BAD_VALUE;
  native_path before = *target;
  *target = parsed;
  if (holds_own_files(config, target)) return CONFIG_SET;
  *target = before;
  return CONFIG_BAD_VALUE;
}

static config_set_result apply(shim_config *config, const char *name, const char *value) {
  int number = 0;
  if (strcmp(name, "port") == 0) {
    if (parse_int(value, 1, 65535, &number) != 0) return CONFIG_BAD_VALUE;
    config->port = number;
  } else if (strcmp(name, "connect_timeout_ms") == 0) {
    if (parse_deadline(value, &number) != 0) return CONFIG_BAD_VALUE;
    config->connect_timeout_ms = number;
  } else if (strcmp(name, "timeout_ms") == 0) {
    if (parse_deadline(value, &number) != 0) return CONFIG_BAD_VALUE;
    config->timeout_3101_ms = config->timeout_3102_ms = config->timeout_3103_ms = config->timeout_other_ms = number;
  } else if (strcmp(name, "timeout_ms_3101") == 0 || strcmp(name, "timeout_ms_3102") == 0 ||
             strcmp(name, "timeout_ms_3103") == 0 || strcmp(name, "timeout_ms_other") == 0) {
    if (parse_deadline(value, &number) != 0) return CONFIG_BAD_VALUE;
    const char *which = name + strlen("timeout_ms_");
    int *target = strcmp(which, "3101") == 0   ? &config->timeout_3101_ms
                  : strcmp(which, "3102") == 0 ? &config->timeout_3102_ms
                  : strcmp(which, "3103") == 0 ? &config->timeout_3103_ms
                                               : &config->timeout_other_ms;
    *target = number;
  } else if (strcmp(name, "token") == 0) {
    if (!is_valid_token(value)) return CONFIG_BAD_VALUE;
    strcpy(config->token, value);
    config->token_configured = 1;
  } else if (strcmp(name, "token_file") == 0) {
    return set_path(config, &config->token_file, value);
  } else if (strcmp(name, "data_dir") == 0) {
    return set_path(config, &config->data_dir, value);
  } else if (strcmp(name, "spool_dir") == 0) {
    return set_path(config, &config->spool_dir, value);
  } else if (strcmp(name, "spool_max_bytes") == 0) {
    if (parse_int(value, 0, 999999999, &number) != 0) return CONFIG_BAD_VALUE;
    config->spool_max_bytes = number;
  } else if (strcmp(name, "log") == 0) {
    return set_path(config, &config->log_path, value);
  } else if (strcmp(name, "log_max_bytes") == 0) {
    if (parse_int(value, ROTATING_LOG_MIN_MAX_BYTES, 999999999, &number) != 0) return CONFIG_BAD_VALUE;
    config->log_max_bytes = number;
  } else if (strcmp(name, "breaker_open_ms") == 0) {
    if (parse_int(value, 0, 600000, &number) != 0) return CONFIG_BAD_VALUE;
    config->breaker.open_ms_after_connect_failure = number;
  } else if (strcmp(name, "breaker_timeouts") == 0) {
    if (parse_int(value, 1, 1000, &number) != 0) return CONFIG_BAD_VALUE;
    config->breaker.timeouts_to_open = number;
  } else if (strcmp(name, "breaker_timeout_open_ms") == 0) {
    if (parse_int(value, 0, 600000, &number) != 0) return CONFIG_BAD_VALUE;
    config->breaker.open_ms_after_timeouts = number;
  } else {
    return CONFIG_UNKNOWN_NAME;
  }
  return CONFIG_SET;
}

/* Settings the shim could not use, from the last load of prealert.ini and the environment. They are written to the
   log once the load knows where it goes (the ini may name it), and again when set_option turns a log on later. */
#define LOAD_PROBLEMS_MAX 8
#define LOAD_PROBLEM_TEXT 160
typedef struct {
  int ini_state; /* 0 absent, 1 read, -1 unreadable (cannot be read, or not UTF-16 text) */
  int ini_beside_target; /* read beside the file the shim's symbolic link points at, not beside the link */
  int count;     /* may exceed LOAD_PROBLEMS_MAX: the rest are counted, not kept */
  char text[LOAD_PROBLEMS_MAX][LOAD_PROBLEM_TEXT];
} load_report;

static load_report published_report; /* guarded by lock */

/* An option name as typed, made safe for a one-line ASCII log: at most 40 printable characters. The value is never
   written: it may be the token. */
static void loggable_name(const char *name, char *out, size_t capacity) {
  size_t n = 0;
  for (; name[n] != '\0' && n < 40 && n + 1 < capacity; ++n) {
    unsigned char c = (unsigned char)name[n];
    out[n] = c > 0x20 && c < 0x7f ? (char)c : '?';
  }
  out[n] = '\0';
}

static void note_problem_named(load_report *report, const char *where, const char *name, const char *problem) {
  if (report->count < LOAD_PROBLEMS_MAX) {
    char shown[48];
    loggable_name(name, shown, sizeof(shown));
    snprintf(report->text[report->count], LOAD_PROBLEM_TEXT, "config_problem %s name=%s problem=%s", where, shown,
             problem);
  }
  ++report->count;
}

static void note_problem(load_report *report, const char *where, const char *name, config_set_result result) {
  note_problem_named(report, where, name, result == CONFIG_UNKNOWN_NAME ? "unknown_option" : "invalid_value");
}

/* What one load needs to judge data_dir and spool_dir together once every line and variable is in
   (settle_data_dir): the last data_dir value that holds the spool by itself (empty: the default, which always does),
   and where the values taken after it came from, which hold it only beside a spool_dir. A bounded history of every
   value fell back to the default after 8 such lines, though an earlier one fitted. */
typedef struct {
  native_path fitting;
  int unfitting; /* may exceed LOAD_PROBLEMS_MAX: only as many as the report can name are kept */
  char where[LOAD_PROBLEMS_MAX][32];
  char name[LOAD_PROBLEMS_MAX][24];
} data_dir_candidates;

static void remember_data_dir(data_dir_candidates *candidates, const shim_config *config, const char *where,
                              const char *name) {
  shim_config alone = *config;
  memset(&alone.spool_dir, 0, sizeof(alone.spool_dir));
  if (data_dir_holds_spool(&alone)) {
    candidates->fitting = config->data_dir;
    candidates->unfitting = 0;
    return;
  }
  if (candidates->unfitting < LOAD_PROBLEMS_MAX) {
    snprintf(candidates->where[candidates->unfitting], sizeof(candidates->where[0]), "%s", where);
    snprintf(candidates->name[candidates->unfitting], sizeof(candidates->name[0]), "%s", name);
  }
  ++candidates->unfitting;
}

/* After the ini and the environment are in, whatever line or variable came first: with no spool_dir set, the
   data_dir values that cannot hold the spool are refused, each named where it came from, and the last one that can
   is in force (the default, if none). */
static void settle_data_dir(shim_config *config, const data_dir_candidates *candidates, load_report *report) {
  if (data_dir_holds_spool(config)) return;
  for (int i = 0; i < candidates->unfitting; ++i) {
    if (i < LOAD_PROBLEMS_MAX)
      note_problem_named(report, candidates->where[i], candidates->name[i], "no_room_for_spool");
    else
      ++report->count;
  }
  config->data_dir = candidates->fitting;
}

static char *trim(char *text) {
  while (*text == ' ' || *text == '\t') ++text;
  size_t n = strlen(text);
  while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r')) text[--n] = '\0';
  return text;
}

/* Cuts a comment off a value: a ; or # after a blank starts one, as in `timeout_ms_3101 = 300 ; 3101 deadline`
   (hospital ini files are written that way; the value was refused whole and the default stayed in force). A ; or #
   inside a value (a token "ab#cd") is kept. Neither byte occurs inside a GBK character, so ANSI lines are safe. */
static void strip_inline_comment(char *value) {
  for (char *at = value; *at != '\0'; ++at) {
    if ((*at == ';' || *at == '#') && (at == value || at[-1] == ' ' || at[-1] == '\t')) {
      *at = '\0';
      break;
    }
  }
}

/* prealert.ini: "name = value" lines with the option names; [sections], ; and # comments are ignored, also after a
   value. A line that does not parse is skipped (the ini must never stop the HIS) and reported to the log, the only
   place IT can see that a setting they wrote is not in force. Notepad on a Chinese Windows saves it as ANSI (GBK),
   as UTF-8 with or without a byte-order mark, or as "Unicode" (UTF-16LE with one): the mark decides, and without
   one the whole file is read as UTF-8 or as GBK. */
static void apply_ini(shim_config *config, load_report *report, data_dir_candidates *candidates) {
  native_path ini;
  if (native_path_module_directory(&ini) != 0 || native_path_append(&ini, "prealert.ini") != 0) return;
  static char raw[16384];
  static char decoded[3 * sizeof(raw) / 2];
  int error = 0;
  long length = native_path_read_small_file(&ini, raw, sizeof(raw), &error);
  /* Loaded through a symbolic link (/usr/lib/libprealert.so -> /opt/his/lib/libprealert.so) with no ini beside the
     link: the vendor installed it beside the file itself, where it used to be ignored without a word. Only when there
     is none beside the link: one there that cannot be read is reported, not passed over for another. */
  if (length < 0 && error == ENOENT && native_path_module_target_directory(&ini) == 0 &&
      native_path_append(&ini, "prealert.ini") == 0) {
    length = native_path_read_small_file(&ini, raw, sizeof(raw), &error);
    if (length >= 0) report->ini_beside_target = 1;
  }
  if (length < 0) {
    if (error != ENOENT) report->ini_state = -1;
    return;
  }
  report->ini_state = 1;
  const unsigned char *bytes = (const unsigned char *)raw;
  char *cursor = raw;
  int utf8;
  if (length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE) {
    if (host_text_utf16le_to_utf8(bytes + 2, (size_t)length - 2, decoded, sizeof(decoded)) != 0) {
      report->ini_state = -1;
      return;
    }
    cursor = decoded;
    utf8 = 1;
  } else if (length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) {
    cursor += 3;
    utf8 = 1;
  } else {
    /* Where there is no ANSI code page (Linux), a file that is not UTF-8 throughout is still read as UTF-8, line by
       line: one line in GBK (a path copied from a Windows ini) cost every other line, ASCII ones included, and the
       shim ran on defaults, the log that would have said so among the lines refused. */
    utf8 = !host_text_has_ansi_page() || host_text_is_utf8(raw);
  }
  int line_number = 0;
  while (*cursor) {
    ++line_number;
    char where[32];
    snprintf(where, sizeof(where), "ini_line=%d", line_number);
    char *line = cursor;
    char *end = strchr(cursor, '\n');
    if (end != NULL) {
      *end = '\0';
      cursor = end + 1;
    } else {
      cursor += strlen(cursor);
    }
    line = trim(line);
    if (line[0] == '\0' || line[0] == ';' || line[0] == '#' || line[0] == '[') continue;
    char *equals = strchr(line, '=');
    if (equals == NULL) {
      note_problem(report, where, line, CONFIG_UNKNOWN_NAME);
      continue;
    }
    *equals = '\0';
    char *name = trim(line);
    strip_inline_comment(equals + 1);
    char *text = trim(equals + 1);
    char value[1024];
    int read = utf8 ? host_text_copy_utf8(text, value, sizeof(value))
                    : host_text_ansi_to_utf8(text, value, sizeof(value));
    config_set_result result = read == 0 ? apply(config, name, value) : CONFIG_BAD_VALUE;
    if (result != CONFIG_SET) note_problem(report, where, name, result);
    else if (strcmp(name, "data_dir") == 0) remember_data_dir(candidates, config, where, name);
  }
}

static void apply_env(shim_config *config, load_report *report, data_dir_candidates *candidates) {
  static const struct {
    const char *variable;
    const char *option;
  } names[] = {
      {"PREALERT_PORT", "port"},
      {"PREALERT_DATA_DIR", "data_dir"},
      {"PREALERT_SPOOL_DIR", "spool_dir"},
      {"PREALERT_SHIM_TOKEN", "token"},
      {"PREALERT_TOKEN_FILE", "token_file"},
      {"PREALERT_CONNECT_TIMEOUT_MS", "connect_timeout_ms"},
      {"PREALERT_TIMEOUT_MS", "timeout_ms"},
      {"PREALERT_SHIM_LOG", "log"},
  };
  char value[1024];
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); ++i) {
    int read = host_env_utf8(names[i].variable, value, sizeof(value));
    if (read == 0) continue;
    /* Set but too long to read: refused and named like any bad value, where it was taken as unset and nothing said
       why the shim looked in its default data dir. */
    config_set_result result = read > 0 ? apply(config, names[i].option, value) : CONFIG_BAD_VALUE;
    if (result != CONFIG_SET) note_problem(report, "environment", names[i].variable, result);
    else if (strcmp(names[i].option, "data_dir") == 0)
      remember_data_dir(candidates, config, "environment", names[i].variable);
  }
}

static int sidecar_data_dir(const native_path *configured, native_path *out);

/* A path for a log line, quoted (it may hold blanks); `none` when there is none. */
static void quoted_path(const native_path *path, int have, char *text, size_t capacity) {
  char utf8[3 * NATIVE_PATH_MAX];
  if (!have || native_path_to_utf8(path, utf8, sizeof(utf8)) != 0) {
    snprintf(text, capacity, "none");
    return;
  }
  /* A path longer than the line has room for is cut: the log line is a hint for IT, never parsed back. */
  if (snprintf(text, capacity, "\"%s\"", utf8) < 0) text[0] = '\0';
}

/* Which build this is, what the last load found, and the settings it produced, to the log (when one is set).
   Written outside every lock. It names the data dir the shim looks in for the port file and spools in (with no
   data_dir set, the user's and the machine's it chooses from): a HIS started without HOME, or as another account
   than the sidecar, looked elsewhere than the sidecar writes, and nothing said where. */
static void log_load_report(const native_path *log_path, long log_max_bytes, const shim_config *config,
                            const load_report *report) {
  if (native_path_is_empty(log_path)) return;
  native_path chosen, user, machine;
  int have_chosen = sidecar_data_dir(&config->data_dir, &chosen) == 0;
  char dir[ROTATING_LOG_LINE_MAX], user_dir[ROTATING_LOG_LINE_MAX], machine_dir[ROTATING_LOG_LINE_MAX];
  quoted_path(&chosen, have_chosen, dir, sizeof(dir));
  char candidates[2 * ROTATING_LOG_LINE_MAX + 32] = "";
  if (native_path_is_empty(&config->data_dir)) {
    quoted_path(&user, native_path_default_data_dir(&user) == 0, user_dir, sizeof(user_dir));
    quoted_path(&machine, native_path_machine_data_dir(&machine) == 0, machine_dir, sizeof(machine_dir));
    if (snprintf(candidates, sizeof(candidates), " user_dir=%s machine_dir=%s", user_dir, machine_dir) < 0)
      candidates[0] = '\0';
  }
  char event[ROTATING_LOG_LINE_MAX];
  /* The build first, before the paths that may cut the line: which prealert.dll a HIS loaded is the first question. */
  if (snprintf(event, sizeof(event),
           "config build=" PREALERT_VERSION " platform=" PREALERT_PLATFORM " ini=%s%s problems=%d port=%d "
           "connect_timeout_ms=%d timeout_ms_3101=%d timeout_ms_3102=%d "
           "timeout_ms_3103=%d timeout_ms_other=%d data_dir=%s spool_max_bytes=%ld dir=%s%s",
           report->ini_state == 1 ? "read" : report->ini_state == 0 ? "absent" : "unreadable",
           /* Beside the ini state, before the paths that may fill the line and cut what follows them. */
           report->ini_beside_target ? " ini_from=link_target" : "", report->count,
           config->port, config->connect_timeout_ms, config->timeout_3101_ms, config->timeout_3102_ms,
           config->timeout_3103_ms, config->timeout_other_ms,
           native_path_is_empty(&config->data_dir) ? "default" : "set", config->spool_max_bytes, dir, candidates) < 0)
    return;
  rotating_log_append(log_path, log_max_bytes, event);
  int kept = report->count < LOAD_PROBLEMS_MAX ? report->count : LOAD_PROBLEMS_MAX;
  for (int i = 0; i < kept; ++i) rotating_log_append(log_path, log_max_bytes, report->text[i]);
}

void config_load(void) {
  /* Built off to the side and swapped in, so a concurrent call sees the old or the new settings, never a mix. */
  static shim_config fresh;
  static load_report report;
  static data_dir_candidates candidates;
  static shim_mutex load_lock = SHIM_MUTEX_INIT;
  shim_mutex_lock(&load_lock);
  set_defaults(&fresh);
  memset(&report, 0, sizeof(report));
  memset(&candidates, 0, sizeof(candidates));
  apply_ini(&fresh, &report, &candidates);
  apply_env(&fresh, &report, &candidates);
  settle_data_dir(&fresh, &candidates, &report);
  shim_mutex_lock(&lock);
  current = fresh;
  published_report = report;
  shim_mutex_unlock(&lock);
  log_load_report(&fresh.log_path, fresh.log_max_bytes, &fresh, &report);
  shim_mutex_unlock(&load_lock);
}

config_set_result config_set(const char *name, const char *value) {
  char utf8[1024] = "";
  config_set_result result = CONFIG_BAD_VALUE;
  int log_turned_on = 0;
  load_report report;
  int readable = host_text_to_utf8(value, utf8, sizeof(utf8)) == 0;
  char *text = readable ? trim(utf8) : utf8;
  /* `~/…` may ask the password database (LDAP, sssd on a domain workstation) once: asked here, outside the lock. */
  if (readable && text[0] == '~') {
    native_path home;
    native_path_home(&home);
  }
  shim_mutex_lock(&lock);
  shim_config after = current; /* ends as the settings in force, for the log lines below */
  int no_room_for_spool = 0;
  if (readable) {
    result = apply(&after, name, text);
    /* Safety over order: a data_dir that can hold the spool only beside a spool_dir is refused while none is set,
       and so is `spool_dir = ""` beside one, or a 3103 that fails open would be lost with only a log line saying
       why. Such a data_dir needs its spool_dir set first. */
    if (result == CONFIG_SET && !data_dir_holds_spool(&after)) {
      result = CONFIG_BAD_VALUE;
      no_room_for_spool = 1;
    }
    if (result == CONFIG_SET) {
      log_turned_on = strcmp(name, "log") == 0 && !native_path_is_empty(&after.log_path) &&
                      memcmp(&after.log_path, &current.log_path, sizeof(after.log_path)) != 0;
      current = after;
    } else {
      after = current;
    }
  }
  if (log_turned_on) report = published_report;
  shim_mutex_unlock(&lock);
  /* A log turned on now still learns what the ini and environment got wrong; a refused option is noted too, for a
     HIS that ignores the -4. */
  if (log_turned_on) {
    log_load_report(&after.log_path, after.log_max_bytes, &after, &report);
  } else if (result != CONFIG_SET && !native_path_is_empty(&after.log_path)) {
    load_report refused;
    memset(&refused, 0, sizeof(refused));
    if (no_room_for_spool)
      note_problem_named(&refused, "set_option", name, "no_room_for_spool");
    else
      note_problem(&refused, "set_option", name, result);
    rotating_log_append(&after.log_path, after.log_max_bytes, refused.text[0]);
  }
  return result;
}

void config_log(native_path *path, long *max_bytes) {
  shim_mutex_lock(&lock);
  *path = current.log_path;
  *max_bytes = current.log_max_bytes;
  shim_mutex_unlock(&lock);
}

static int has_port_file(const native_path *directory) {
  native_path file = *directory;
  char text[16];
  return native_path_append(&file, "port") == 0 && native_path_read_small_file(&file, text, sizeof(text), NULL) > 0;
}

/* The sidecar's data dir, where its port file and the spool it replays are: the configured one; else the
   user's own sidecar's (%LOCALAPPDATA%\prealert); else, on a workstation where IT installed one sidecar for
   the whole machine (PREALERT_DATA_SCOPE=machine), its %ProgramData%\prealert. A running sidecar's port file
   decides first; with none running, the folder that exists does, so a 3103 kept while that sidecar is down
   goes where it will be replayed. Returns -1 when there is no directory to use. */
static int sidecar_data_dir(const native_path *configured, native_path *out) {
  if (!native_path_is_empty(configured)) {
    *out = *configured;
    return 0;
  }
  native_path user, machine;
  int have_user = native_path_default_data_dir(&user) == 0;
  int have_machine = native_path_machine_data_dir(&machine) == 0;
  if (have_user && has_port_file(&user)) *out = user;
  else if (have_machine && has_port_file(&machine)) *out = machine;
  else if (have_user && native_path_is_directory(&user)) *out = user;
  else if (have_machine && native_path_is_directory(&machine)) *out = machine;
  else if (have_user) *out = user;
  else return -1;
  return 0;
}

/* Reads the sidecar's port file (sidecar/src/port-file.ts): the port in decimal on the first line and, when the
   sidecar requires one, the shim token on the second. Returns 1 when the data dir is a sidecar's (its records
   database is there) but names no port: that sidecar is not running, because a running sidecar always has its
   port file in its data dir. Otherwise 0. */
static int read_port_file(const native_path *data_dir, int *port, char *token, size_t token_capacity,
                          call_settings *settings) {
  native_path directory;
  if (sidecar_data_dir(data_dir, &directory) != 0) return 0;
  native_path file = directory;
  char text[1024];
  text[0] = '\0';
  if (native_path_append(&file, "port") != 0) return 0;
  int error = 0;
  native_path_read_small_file(&file, text, sizeof(text), &error);
  /* There but closed to this account (a machine-wide sidecar's data dir made owner-only by an earlier prealert):
     said in the log, where a bare sidecar_unreachable on 17311 gave IT nothing to go on. The sidecar is probably
     running, so the fixed port is still tried (below: not taken for a stopped one). */
  if (error != 0 && error != ENOENT) {
    settings->port_file_error = error;
    settings->port_file = file;
    return 0;
  }

  char *second_line = strchr(text, '\n');
  if (second_line != NULL) *second_line++ = '\0';
  int value = 0;
  if (parse_int(text, 1, 65535, &value) == 0) *port = value;
  if (second_line != NULL) {
    char *end = strpbrk(second_line, "\r\n");
    if (end != NULL) *end = '\0';
    char *candidate = trim(second_line);
    if (candidate[0] != '\0' && strlen(candidate) < token_capacity && is_valid_token(candidate)) strcpy(token, candidate);
  }
  if (*port != 0) return 0;
  native_path database = directory;
  return native_path_append(&database, SIDECAR_DATABASE_FILE) == 0 && native_path_is_file(&database);
}

static void read_token_file(const native_path *path, char *token) {
  char text[TOKEN_MAX + 8];
  if (native_path_read_small_file(path, text, sizeof(text), NULL) <= 0) return;
  char *line = text;
  char *end = strpbrk(line, "\r\n");
  if (end != NULL) *end = '\0';
  line = trim(line);
  if (is_valid_token(line)) strcpy(token, line);
}

void config_for_call(const char *infno, call_settings *settings) {
  shim_config snapshot;
  shim_mutex_lock(&lock);
  snapshot = current;
  shim_mutex_unlock(&lock);

  int timeout = strcmp(infno, "3101") == 0   ? snapshot.timeout_3101_ms
                : strcmp(infno, "3102") == 0 ? snapshot.timeout_3102_ms
                : strcmp(infno, "3103") == 0 ? snapshot.timeout_3103_ms
                                             : snapshot.timeout_other_ms;
  settings->timeout_ms = timeout > DEADLINE_CEILING_MS ? DEADLINE_CEILING_MS : timeout;
  settings->connect_timeout_ms = snapshot.connect_timeout_ms;
  settings->breaker = snapshot.breaker;
  strcpy(settings->token, snapshot.token);
  settings->port_file_error = 0;
  settings->port_file.text[0] = 0;

  int port = snapshot.port;
  char file_token[TOKEN_MAX + 1] = "";
  if (port == 0 || !snapshot.token_configured) {
    int file_port = 0;
    int sidecar_stopped = read_port_file(&snapshot.data_dir, &file_port, file_token, sizeof(file_token), settings);
    /* The fixed port is tried only when no sidecar's data dir says its sidecar is stopped. When one does, whatever
       listens on the fixed port is not that sidecar: on a Remote Desktop (RDS/Citrix) server it is another user's,
       where this user's patients would be recorded. Port 0 then tells the caller there is nothing to try. */
    if (port == 0) port = file_port != 0 ? file_port : sidecar_stopped ? 0 : DEFAULT_PORT;
  }
  if (!snapshot.token_configured) {
    if (!native_path_is_empty(&snapshot.token_file)) read_token_file(&snapshot.token_file, settings->token);
    if (settings->token[0] == '\0') strcpy(settings->token, file_token);
  }
  settings->port = (uint16_t)port;
}

int config_spool(native_path *directory, long *max_bytes) {
  shim_mutex_lock(&lock);
  *directory = current.spool_dir;
  native_path data_dir = current.data_dir;
  *max_bytes = current.spool_max_bytes;
  int room = data_dir_holds_spool(&current);
  shim_mutex_unlock(&lock);
  if (!native_path_is_empty(directory)) return 0;
  /* A data_dir that holds the spool only beside a spool_dir, and none set: neither the load (settle_data_dir) nor
     set_option (config_set) leaves the settings so; should one ever do, nothing is created under it and the caller's
     log line says why the decision was not kept. */
  if (!room) {
    directory->text[0] = 0;
    return -1;
  }
  if (sidecar_data_dir(&data_dir, directory) != 0) return 0;
  if (native_path_append(directory, "spool") != 0) directory->text[0] = 0;
  return 0;
}
