/*
 * Drives prealert.dll under wine (or on a real Windows box) for native-shim/test/wine-x64.test.ts.
 * Usage: wine_smoke.exe DLL PORT CLOSED_PORT DIR
 *   The first calls come from 8 threads at once, before anything else touched the DLL (run it with
 *   PREALERT_PORT set so they find the sidecar): they race through the one-time initialisation, and again
 *   through that of each fresh copy of the DLL the program loads from DIR.
 *   DIR holds req_utf8.bin, req_gbk.bin and req_w.bin (3101 requests, no terminator) and expect_utf8.txt (one
 *   line per text every answer to req_utf8.bin holds); the answers are written to out_utf8.bin, out_gbk.bin and
 *   out_w.bin. Every check prints "PASS name" or "FAIL name":
 *   wine can exit 0 when a program fails, so the test reads these lines, never the exit code.
 */
#include "prealert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winsock2.h>
#include <windows.h>

typedef int(PREALERT_CALL *narrow_fn)(const char *, const char *, char *, int);
typedef int(PREALERT_CALL *wide_fn)(const wchar_t *, const wchar_t *, wchar_t *, int);
typedef const char *(PREALERT_CALL *version_fn)(void);
typedef int(PREALERT_CALL *option_fn)(const char *, const char *);

static narrow_fn call_utf8, call_gbk;
static wide_fn call_w;
static version_fn version;
static option_fn set_option;
static int failures;

/* The DLL itself takes the 50 calls a thread; then each of COPIES copies of it, loaded from other paths (each its
   own instance with its own initialisation), takes 5 a thread. One cold start under wine caught a broken once-guard
   in one run of two; eight make a miss unlikely. */
enum { THREADS = 8, CALLS_PER_THREAD = 50, COPIES = 7, CALLS_PER_THREAD_PER_COPY = 5 };
enum { CALLS = THREADS * (CALLS_PER_THREAD + COPIES * CALLS_PER_THREAD_PER_COPY) };
/* The hammer runs beside whatever else a CI machine does: under 32-bit wine with both cores taken, a call now and
   then outlived the default 150 ms connect and 1500 ms call deadlines and failed open, as the shim should. Its
   deadlines come through the environment, which only the one-time initialisation reads: a thread that raced
   past it would still run on the zeroed settings and fail open at once, which the tally below tells apart. They
   stay for the checks after the hammer, which need the sidecar's answer as much. */
enum { HAMMER_DEADLINE_MS = 5000 };
#define HAMMER_DEADLINE_TEXT L"5000"
enum { EXPECTED_MAX = 8 };
static const char *thread_request;
static const char *expected[EXPECTED_MAX];
static int expected_count;

/* Every call ends as one of these. A deadline fail-open is the shim working as promised on a starved machine;
   anything else (a wrong answer, another reason, a deadline that did not last its configured time, a return code
   other than 0 or 1) is what an initialisation race or a corrupt buffer would produce. */
static volatile LONG answered, timed_out, connect_timed_out, breaker_opened, wrong;
static volatile LONG wrong_kept;
static char first_wrong[512];

static int holds_expected(const char *out) {
  if (strstr(out, "\"shim\"") != NULL) return 0; /* only fail-open and caller-error envelopes carry it */
  for (int i = 0; i < expected_count; ++i) {
    if (strstr(out, expected[i]) == NULL) return 0;
  }
  return 1;
}

#define FAILOPEN_HEAD "{\"infcode\":0,\"err_msg\":\"\",\"output\":{\"result\":[]},\"shim\":{\"failopen\":true,\"reason\":"

/* The whole envelope, to its last byte, as the shim writes it for a deadline that passed (or a breaker that such
   deadlines opened); elapsed is measured around the call on the shim's own clock. */
static volatile LONG *deadline_kind(const char *out, ULONGLONG elapsed) {
  char text[256];
  snprintf(text, sizeof(text), FAILOPEN_HEAD "\"sidecar_timeout\",\"code\":%d}}", HAMMER_DEADLINE_MS);
  if (strcmp(out, text) == 0) return elapsed >= HAMMER_DEADLINE_MS ? &timed_out : NULL;
  /* code -1: the connect deadline passed (an OS error there would be its number) */
  if (strcmp(out, FAILOPEN_HEAD "\"sidecar_unreachable\",\"code\":-1}}") == 0) {
    return elapsed >= HAMMER_DEADLINE_MS ? &connect_timed_out : NULL;
  }
  const char *breaker = FAILOPEN_HEAD "\"breaker_open\",\"code\":";
  size_t n = strlen(breaker);
  if (strncmp(out, breaker, n) != 0) return NULL;
  const char *digits = out + n;
  size_t count = strspn(digits, "0123456789");
  return count > 0 && strcmp(digits + count, "}}") == 0 ? &breaker_opened : NULL;
}

static void tally(int rc, const char *out, ULONGLONG elapsed) {
  volatile LONG *kind = NULL;
  if (rc == PREALERT_OK && holds_expected(out)) kind = &answered;
  else if (rc == PREALERT_FAILOPEN) kind = deadline_kind(out, elapsed);
  if (kind != NULL) {
    InterlockedIncrement(kind);
    return;
  }
  InterlockedIncrement(&wrong);
  if (InterlockedExchange(&wrong_kept, 1) == 0) {
    snprintf(first_wrong, sizeof(first_wrong), "rc=%d ms=%llu out=%.400s", rc, elapsed, out);
  }
}

/* Created threads start one by one, and the first used to finish the initialisation before the next began: a
   once-guard that let late arrivals through unwaited went unnoticed. The threads wait here until all of them are
   ready, and then call together. */
static HANDLE start_gate;
static volatile LONG at_gate;
static narrow_fn round_call;
static int round_calls;

static DWORD WINAPI hammer(LPVOID unused) {
  (void)unused;
  char out[16384];
  InterlockedIncrement(&at_gate);
  WaitForSingleObject(start_gate, INFINITE);
  for (int i = 0; i < round_calls; ++i) {
    memset(out, 0, sizeof(out));
    ULONGLONG started = GetTickCount64();
    int rc = round_call("3101", thread_request, out, (int)sizeof(out));
    tally(rc, out, GetTickCount64() - started);
  }
  return 0;
}

/* THREADS threads make their first calls to `call` together, calls_per_thread each; whether all of them finished. */
static int cold_start(narrow_fn call, int calls_per_thread) {
  round_call = call;
  round_calls = calls_per_thread;
  at_gate = 0;
  start_gate = CreateEventW(NULL, TRUE, FALSE, NULL);
  HANDLE threads[THREADS];
  int created = 0;
  for (int t = 0; t < THREADS; ++t) {
    threads[t] = CreateThread(NULL, 0, hammer, NULL, 0, NULL);
    if (threads[t] != NULL) ++created;
  }
  for (int slept = 0; at_gate < created && slept < 30000; ++slept) Sleep(1);
  SetEvent(start_gate);
  DWORD waited = WAIT_FAILED;
  if (created == THREADS) waited = WaitForMultipleObjects(THREADS, threads, TRUE, 60000);
  for (int t = 0; t < THREADS; ++t) {
    if (threads[t] != NULL) CloseHandle(threads[t]);
  }
  CloseHandle(start_gate);
  return waited == WAIT_OBJECT_0;
}

/* Loads a copy of the DLL from DIR: a fresh instance, not yet initialised. NULL when it cannot. */
static narrow_fn fresh_copy(const char *dll_path, const char *dir, int number) {
  char copy[MAX_PATH];
  snprintf(copy, sizeof(copy), "%s\\cold_start_%d.dll", dir, number);
  if (!CopyFileA(dll_path, copy, FALSE)) return NULL;
  HMODULE loaded = LoadLibraryA(copy);
  FARPROC f = loaded != NULL ? GetProcAddress(loaded, "prealert_call") : NULL;
  narrow_fn call = NULL;
  memcpy(&call, &f, sizeof(f));
  return call;
}

static void check(int ok, const char *name, const char *detail) {
  printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", name, detail ? " " : "", detail ? detail : "");
  if (!ok) ++failures;
}

static char *read_file(const char *dir, const char *name, size_t *length, size_t terminator) {
  char path[MAX_PATH];
  snprintf(path, sizeof(path), "%s\\%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *data = calloc((size_t)size + terminator, 1);
  *length = fread(data, 1, (size_t)size, f);
  fclose(f);
  return data;
}

static void write_file(const char *dir, const char *name, const void *data, size_t length) {
  char path[MAX_PATH];
  snprintf(path, sizeof(path), "%s\\%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL) return;
  fwrite(data, 1, length, f);
  fclose(f);
}

/* A Windows path option of exactly `units` units (ASCII): C:\xxx…. */
static void path_of_units(char *value, size_t capacity, size_t units) {
  snprintf(value, capacity, "C:\\");
  memset(value + 3, 'x', units - 3);
  value[units] = '\0';
}

/* A fresh copy of the DLL in DIR\NAME beside a prealert.ini holding `log = DIR\NAME\shim.log` and then LINES, made
   to read it (its first set_option initialises it); whether its log's `config` line has `problems` and `data_dir` in
   it. The ini is read in one go, so it is where the order of its lines must not matter. */
static int ini_gives(const char *dll_path, const char *dir, const char *name, const char *lines, const char *problems,
                     const char *data_dir, char *detail, size_t detail_capacity) {
  char folder[MAX_PATH], copy[MAX_PATH], log_path[MAX_PATH];
  snprintf(folder, sizeof(folder), "%s\\%s", dir, name);
  snprintf(copy, sizeof(copy), "%s\\prealert.dll", folder);
  snprintf(log_path, sizeof(log_path), "%s\\shim.log", folder);
  CreateDirectoryA(folder, NULL);
  char ini[1200];
  int length = snprintf(ini, sizeof(ini), "[prealert]\r\nlog = %s\r\n%s", log_path, lines);
  write_file(folder, "prealert.ini", ini, (size_t)length);
  HMODULE loaded = CopyFileA(dll_path, copy, FALSE) ? LoadLibraryA(copy) : NULL;
  FARPROC f = loaded != NULL ? GetProcAddress(loaded, "prealert_set_option") : NULL;
  option_fn fresh_set_option = NULL;
  memcpy(&fresh_set_option, &f, sizeof(f));
  if (fresh_set_option == NULL || fresh_set_option("breaker", "reset") != PREALERT_OK) {
    snprintf(detail, detail_capacity, "%s: the copy did not load", name);
    return 0;
  }
  size_t log_length = 0;
  char *log = read_file(folder, "shim.log", &log_length, 1);
  int found = log != NULL && strstr(log, problems) != NULL && strstr(log, data_dir) != NULL;
  if (!found) {
    snprintf(detail, detail_capacity, "%s: not \"%s\" and \"%s\" in %.300s", name, problems, data_dir,
             log ? log : "(no log)");
  }
  free(log);
  return found;
}

static FARPROC resolve(HMODULE dll, const char *name) {
  FARPROC f = GetProcAddress(dll, name);
  check(f != NULL, "export", name);
  return f;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc < 5) {
    printf("FAIL usage: wine_smoke.exe DLL PORT CLOSED_PORT DIR\n");
    return 2;
  }
  const char *dll_path = argv[1], *port = argv[2], *closed_port = argv[3], *dir = argv[4];
  HMODULE dll = LoadLibraryA(dll_path);
  check(dll != NULL, "load", dll_path);
  if (dll == NULL) return 1;
  FARPROC p;
  p = resolve(dll, "prealert_call"); memcpy(&call_utf8, &p, sizeof(p));
  p = resolve(dll, "prealert_call_gbk"); memcpy(&call_gbk, &p, sizeof(p));
  p = resolve(dll, "prealert_call_w"); memcpy(&call_w, &p, sizeof(p));
  p = resolve(dll, "prealert_version"); memcpy(&version, &p, sizeof(p));
  p = resolve(dll, "prealert_set_option"); memcpy(&set_option, &p, sizeof(p));
  if (failures) return 1;

  size_t length = 0;
  char *first_request = read_file(dir, "req_utf8.bin", &length, 1);
  char *expected_text = read_file(dir, "expect_utf8.txt", &length, 1);
  for (char *line = expected_text; line != NULL && *line != '\0' && expected_count < EXPECTED_MAX;) {
    char *end = strchr(line, '\n');
    if (end != NULL) *end = '\0';
    if (*line != '\0') expected[expected_count++] = line;
    line = end != NULL ? end + 1 : NULL;
  }
  SetEnvironmentVariableW(L"PREALERT_TIMEOUT_MS", HAMMER_DEADLINE_TEXT);
  SetEnvironmentVariableW(L"PREALERT_CONNECT_TIMEOUT_MS", HAMMER_DEADLINE_TEXT);
  int finished = 0;
  if (first_request != NULL && expected_count > 0) {
    thread_request = first_request;
    finished = cold_start(call_utf8, CALLS_PER_THREAD);
    for (int copy = 1; copy <= COPIES; ++copy) {
      narrow_fn call = fresh_copy(dll_path, dir, copy);
      finished = finished && call != NULL && cold_start(call, CALLS_PER_THREAD_PER_COPY);
    }
  }
  char counts[640];
  snprintf(counts, sizeof(counts), "%ld/%d answered=%ld sidecar_timeout=%ld connect_timeout=%ld breaker_open=%ld wrong=%ld%s%s%s",
           (long)(answered + timed_out + connect_timed_out + breaker_opened), CALLS, (long)answered, (long)timed_out,
           (long)connect_timed_out, (long)breaker_opened, (long)wrong, finished ? "" : " unfinished",
           wrong ? " first_wrong: " : "", first_wrong);
  /* Every call came back with the right answer or an honest deadline fail-open, and most with the answer: a breaker
     open for the rest of the run after a few starved calls would otherwise pass with almost nothing answered. */
  long deadlines = timed_out + connect_timed_out;
  check(finished && wrong == 0 && answered + deadlines + breaker_opened == CALLS &&
            answered * 4 >= CALLS * 3 && (breaker_opened == 0 || deadlines > 0),
        "threads_cold_start", counts);

  printf("VERSION %s\n", version());
  check(strstr(version(), "proto=1") != NULL, "version", NULL);
  check(set_option("port", port) == PREALERT_OK, "set_option_port", port);
  check(set_option("port", "99999") == PREALERT_E_OPTION, "set_option_rejects_bad_port", NULL);

  enum { CAPACITY = 65536 };
  static char out[CAPACITY];
  static wchar_t out_w[CAPACITY];
  char detail[128];

  char *req = read_file(dir, "req_utf8.bin", &length, 1);
  check(req != NULL, "read_req_utf8", NULL);
  ULONGLONG started = GetTickCount64();
  int rc = req ? call_utf8("3101", req, out, CAPACITY) : -100;
  snprintf(detail, sizeof(detail), "rc=%d ms=%llu", rc, GetTickCount64() - started);
  check(rc == PREALERT_OK, "call_utf8", detail);
  write_file(dir, "out_utf8.bin", out, strlen(out));

  req = read_file(dir, "req_gbk.bin", &length, 1);
  rc = req ? call_gbk("3101", req, out, CAPACITY) : -100;
  snprintf(detail, sizeof(detail), "rc=%d", rc);
  check(rc == PREALERT_OK, "call_gbk", detail);
  write_file(dir, "out_gbk.bin", out, strlen(out));

  req = read_file(dir, "req_w.bin", &length, 2);
  rc = req ? call_w(L"3101", (const wchar_t *)req, out_w, CAPACITY) : -100;
  snprintf(detail, sizeof(detail), "rc=%d", rc);
  check(rc == PREALERT_OK, "call_w", detail);
  write_file(dir, "out_w.bin", out_w, wcslen(out_w) * sizeof(wchar_t));

  /* Another DLL in the host calls WSACleanup once too often (taking the shim's WSAStartup with it): the next call
     must still reach the sidecar. */
  WSACleanup();
  req = read_file(dir, "req_utf8.bin", &length, 1);
  rc = req ? call_utf8("3101", req, out, CAPACITY) : -100;
  snprintf(detail, sizeof(detail), "rc=%d", rc);
  check(rc == PREALERT_OK, "after_wsacleanup", detail);

  /* Caller errors: negative, and nothing written past a small buffer. */
  char small[16];
  memset(small, 'x', sizeof(small));
  rc = call_utf8("3101", "{}", small, 8);
  check(rc == PREALERT_E_CAPACITY && small[0] == '\0' && small[8] == 'x', "small_buffer", NULL);
  check(call_utf8("3101", "{}", NULL, CAPACITY) == PREALERT_E_NULL_ARGUMENT, "null_output", NULL);
  check(call_utf8("31/01", "{}", out, CAPACITY) == PREALERT_E_INFNO && strstr(out, "\"infcode\":-1") != NULL,
        "bad_infno", NULL);

  /* Nothing listens: fail open at once, with a valid envelope; then the breaker answers. */
  set_option("port", closed_port);
  started = GetTickCount64();
  rc = call_utf8("3101", "{}", out, CAPACITY);
  ULONGLONG elapsed = GetTickCount64() - started;
  snprintf(detail, sizeof(detail), "rc=%d ms=%llu", rc, elapsed);
  check(rc == PREALERT_FAILOPEN && strstr(out, "\"reason\":\"sidecar_unreachable\"") != NULL && elapsed < 1000,
        "failopen_unreachable", detail);
  printf("ENVELOPE %s\n", out);
  rc = call_w(L"3101", L"{}", out_w, CAPACITY);
  check(rc == PREALERT_FAILOPEN && wcsstr(out_w, L"\"reason\":\"breaker_open\"") != NULL, "failopen_breaker_w", NULL);

  /* A 3103 that fails open is spooled: one file, renamed into place, in <dir>\spool. */
  char spool_dir[600];
  snprintf(spool_dir, sizeof(spool_dir), "%s\\spool", dir);
  check(set_option("spool_dir", spool_dir) == PREALERT_OK, "set_option_spool_dir", spool_dir);
  /* Path options by Windows rules: C:/ and a UNC share are absolute; a bare name, a `~name` (another account's home;
     `~\x` is USERPROFILE's, wine-x64.test.ts), and `\x`, `/x` or `C:x`
     (the current drive's root, the drive's current folder) are not, and are refused with the value before kept, so
     the 3103 below still lands in DIR\spool. Nothing is read from the share: it is replaced before any call. */
  char forward_slashes[600];
  snprintf(forward_slashes, sizeof(forward_slashes), "%s", spool_dir);
  for (char *at = forward_slashes; *at != '\0'; ++at) {
    if (*at == '\\') *at = '/';
  }
  int taken = set_option("spool_dir", forward_slashes) == PREALERT_OK &&
              set_option("spool_dir", "\\\\prealert-host\\share\\spool") == PREALERT_OK &&
              set_option("spool_dir", spool_dir) == PREALERT_OK;
  check(taken, "absolute_path_options_taken", forward_slashes);
  static const char *const path_options[] = {"data_dir", "spool_dir", "token_file"};
  static const char *const relative[] = {"spool", "~doctor\\prealert", ".\\spool", "\\spool", "/spool", "C:spool"};
  char refused_detail[160] = "";
  for (size_t o = 0; o < sizeof(path_options) / sizeof(path_options[0]); ++o) {
    for (size_t r = 0; r < sizeof(relative) / sizeof(relative[0]); ++r) {
      if (set_option(path_options[o], relative[r]) != PREALERT_E_OPTION && refused_detail[0] == '\0') {
        snprintf(refused_detail, sizeof(refused_detail), "%s=%s taken", path_options[o], relative[r]);
      }
    }
  }
  check(refused_detail[0] == '\0', "relative_path_options_refused", refused_detail[0] ? refused_detail : NULL);
  rc = call_w(L"3103", L"{\"data\":{\"warn_type\":\"1\",\"warns\":[]}}", out_w, CAPACITY);
  check(rc == PREALERT_FAILOPEN && wcsstr(out_w, L"\"spooled\":true") != NULL, "spool_3103_w", NULL);

  /* Windows' MAX_PATH: 259 units and the NUL for any file the shim names. Each option is taken at its longest and
     refused one unit longer: token_file 259; log 257 (its rotation `.1`); spool_dir 201 (`\` and a spool file's
     temporary name of 57, spool.h); data_dir 243 beside a spool_dir (`\prealert.sqlite`), 195 when it holds the
     spool. */
  static const struct {
    const char *option;
    size_t longest;
  } limits[] = {{"token_file", 259}, {"log", 257}, {"spool_dir", 201}, {"data_dir", 243}};
  char limit_detail[160] = "";
  for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); ++i) {
    char value[300];
    snprintf(value, sizeof(value), "C:\\%0*d", (int)limits[i].longest - 3, 0);
    memset(value + 3, 'x', limits[i].longest - 3);
    int longest_taken = set_option(limits[i].option, value) == PREALERT_OK;
    strcat(value, "x");
    int longer_refused = set_option(limits[i].option, value) == PREALERT_E_OPTION;
    if ((!longest_taken || !longer_refused) && limit_detail[0] == '\0') {
      snprintf(limit_detail, sizeof(limit_detail), "%s of %u: taken=%d, one more refused=%d", limits[i].option,
               (unsigned)limits[i].longest, longest_taken, longer_refused);
    }
  }
  set_option("log", "");
  check(limit_detail[0] == '\0', "max_path_limits", limit_detail[0] ? limit_detail : NULL);

  /* set_option never leaves the shim without a place to spool: a data_dir of 196 (one more than holds the spool) or
     243 is taken once a spool_dir is set and refused before it (the data_dir before kept), 244 refused either way. */
  char order_detail[200] = "";
  static const size_t data_dir_units[] = {196, 243};
  char data_dir[300], spool_units[300];
  path_of_units(spool_units, sizeof(spool_units), 201);
  for (size_t i = 0; i < sizeof(data_dir_units) / sizeof(data_dir_units[0]); ++i) {
    path_of_units(data_dir, sizeof(data_dir), data_dir_units[i]);
    for (int data_dir_first = 0; data_dir_first <= 1; ++data_dir_first) {
      set_option("reset", "all");
      int first = data_dir_first ? set_option("data_dir", data_dir) : set_option("spool_dir", spool_units);
      int second = data_dir_first ? set_option("spool_dir", spool_units) : set_option("data_dir", data_dir);
      int expect_first = data_dir_first ? PREALERT_E_OPTION : PREALERT_OK;
      int expect_second = PREALERT_OK;
      strcat(data_dir, "x");
      int longer = set_option("data_dir", data_dir);
      data_dir[data_dir_units[i]] = '\0';
      int expect_longer = data_dir_units[i] == 243 ? PREALERT_E_OPTION : PREALERT_OK;
      if ((first != expect_first || second != expect_second || longer != expect_longer) && order_detail[0] == '\0') {
        snprintf(order_detail, sizeof(order_detail), "data_dir of %u %s spool_dir: rc %d, %d; one more unit: rc %d",
                 (unsigned)data_dir_units[i], data_dir_first ? "before" : "after", first, second, longer);
      }
    }
  }

  /* At the exact boundary with no spool_dir: a data_dir of 195 taken, 196 refused; `spool_dir = ""` refused beside a
     data_dir of 196 (the spool_dir kept), taken beside 195. */
  char room_detail[200] = "";
  char data_dir_195[300], data_dir_196[300];
  path_of_units(data_dir_195, sizeof(data_dir_195), 195);
  path_of_units(data_dir_196, sizeof(data_dir_196), 196);
  set_option("reset", "all");
  int rc_195 = set_option("data_dir", data_dir_195);
  int rc_196 = set_option("data_dir", data_dir_196);
  int rc_spool = set_option("spool_dir", spool_units);
  int rc_beside_196 = set_option("data_dir", data_dir_196);
  int rc_unset_beside_196 = set_option("spool_dir", "");
  int rc_back_to_195 = set_option("data_dir", data_dir_195);
  int rc_unset_beside_195 = set_option("spool_dir", "");
  if (rc_195 != PREALERT_OK || rc_196 != PREALERT_E_OPTION || rc_spool != PREALERT_OK || rc_beside_196 != PREALERT_OK ||
      rc_unset_beside_196 != PREALERT_E_OPTION || rc_back_to_195 != PREALERT_OK || rc_unset_beside_195 != PREALERT_OK) {
    snprintf(room_detail, sizeof(room_detail),
             "data_dir 195: %d, 196: %d; spool_dir: %d; data_dir 196: %d; spool_dir \"\": %d; data_dir 195: %d; "
             "spool_dir \"\": %d",
             rc_195, rc_196, rc_spool, rc_beside_196, rc_unset_beside_196, rc_back_to_195, rc_unset_beside_195);
  }
  set_option("reset", "all");
  set_option("port", port);
  check(order_detail[0] == '\0', "path_options_need_spool_dir_first", order_detail[0] ? order_detail : NULL);
  check(room_detail[0] == '\0', "set_option_no_room_for_spool", room_detail[0] ? room_detail : NULL);

  /* prealert.ini, read whole: a data_dir of 243 applied whichever of its line and spool_dir's comes first, 244
     refused either way; with no spool_dir, 195 holds the spool and 196 is refused as unable to. */
  char ini_detail[400] = "";
  char lines[1000];
  int ini_ok = 1;
  static const struct {
    const char *name;
    size_t data_dir;
    int spool_dir_first; /* -1: no spool_dir line */
    int taken;
  } inis[] = {
      {"ini_spool_first", 243, 1, 1},      {"ini_data_first", 243, 0, 1}, {"ini_spool_first_over", 244, 1, 0},
      {"ini_data_first_over", 244, 0, 0}, {"ini_holds_spool", 195, -1, 1}, {"ini_no_room_for_spool", 196, -1, 0},
  };
  for (size_t i = 0; i < sizeof(inis) / sizeof(inis[0]) && ini_ok; ++i) {
    path_of_units(data_dir, sizeof(data_dir), inis[i].data_dir);
    if (inis[i].spool_dir_first < 0)
      snprintf(lines, sizeof(lines), "data_dir = %s\r\n", data_dir);
    else if (inis[i].spool_dir_first)
      snprintf(lines, sizeof(lines), "spool_dir = %s\r\ndata_dir = %s\r\n", spool_units, data_dir);
    else
      snprintf(lines, sizeof(lines), "data_dir = %s\r\nspool_dir = %s\r\n", data_dir, spool_units);
    ini_ok = ini_gives(dll_path, dir, inis[i].name, lines, inis[i].taken ? " problems=0 " : " problems=1 ",
                       inis[i].taken ? " data_dir=set " : " data_dir=default ", ini_detail, sizeof(ini_detail));
  }
  check(ini_ok, "ini_path_options_any_order", ini_ok ? NULL : ini_detail);

  printf(failures == 0 ? "ALL PASS\n" : "SOME FAILED\n");
  return failures == 0 ? 0 : 1;
}
