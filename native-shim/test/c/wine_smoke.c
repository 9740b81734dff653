/*
 * Drives prealert.dll under wine (or on a real Windows box) for native-shim/test/wine-x64.test.ts.
 * Usage: wine_smoke.exe DLL PORT CLOSED_PORT DIR
 *   The first calls come from 8 threads at once, before anything else touched the DLL (run it with
 *   PREALERT_PORT set so they find the sidecar): they race through the one-time initialisation.
 *   DIR holds req_utf8.bin, req_gbk.bin and req_w.bin (3101 requests, no terminator); the answers are
 *   written to out_utf8.bin, out_gbk.bin and out_w.bin. Every check prints "PASS name" or "FAIL name":
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

enum { THREADS = 8, CALLS_PER_THREAD = 50 };
static const char *thread_request;
static volatile LONG thread_answers;

static DWORD WINAPI hammer(LPVOID unused) {
  (void)unused;
  char out[16384];
  for (int i = 0; i < CALLS_PER_THREAD; ++i) {
    if (call_utf8("3101", thread_request, out, (int)sizeof(out)) == PREALERT_OK && strstr(out, "\"infcode\"") != NULL) {
      InterlockedIncrement(&thread_answers);
    }
  }
  return 0;
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
  if (first_request != NULL) {
    thread_request = first_request;
    HANDLE threads[THREADS];
    for (int t = 0; t < THREADS; ++t) threads[t] = CreateThread(NULL, 0, hammer, NULL, 0, NULL);
    WaitForMultipleObjects(THREADS, threads, TRUE, 60000);
    for (int t = 0; t < THREADS; ++t) CloseHandle(threads[t]);
  }
  char counts[64];
  snprintf(counts, sizeof(counts), "%ld/%d", (long)thread_answers, THREADS * CALLS_PER_THREAD);
  check(thread_answers == THREADS * CALLS_PER_THREAD, "threads_cold_start", counts);

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
  rc = call_w(L"3103", L"{\"data\":{\"warn_type\":\"1\",\"warns\":[]}}", out_w, CAPACITY);
  check(rc == PREALERT_FAILOPEN && wcsstr(out_w, L"\"spooled\":true") != NULL, "spool_3103_w", NULL);

  printf(failures == 0 ? "ALL PASS\n" : "SOME FAILED\n");
  return failures == 0 ? 0 : 1;
}
