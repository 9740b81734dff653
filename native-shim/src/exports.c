/* The exported C ABI: argument checks, the three string flavours, and the rule that every path
   ends with a complete envelope in the caller's buffer. */
#include "compat.h"
#include "../include/prealert.h"
#include "breaker.h"
#include "clock.h"
#include "config.h"
#include "envelope_text.h"
#include "http_exchange.h"
#include "loopback_socket.h"
#include "module_pin.h"
#include "rotating_log.h"
#include "spool.h"
#include "sync.h"
#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INFNO_MAX 8

typedef struct {
  const char *function;  /* named in caller-error messages */
  const char *input_arg; /* the input parameter's name, likewise */
  const char *charset;   /* label the sidecar decodes and encodes with */
  size_t unit_size;      /* 1: UTF-8 / GB18030 bytes; 2: UTF-16LE code units */
} flavour;

static const flavour UTF8 = {"prealert_call", "input_utf8", "utf-8", 1};
static const flavour GB18030 = {"prealert_call_gbk", "input_gbk", "gb18030", 1};
static const flavour UTF16 = {"prealert_call_w", "input", "utf-16le", 2};

/* Runs once per process: pinning first means the breaker, this initialisation and the settings survive a HIS
   that unloads the DLL after every call (see module_pin.h). */
static void initialise(void) {
  module_pin();
  loopback_startup();
  config_load();
}

/* Writes ASCII text in the flavour's units and NUL-terminates; the caller checked the capacity. */
static void write_ascii(const flavour *f, void *output, const char *text, size_t length) {
  if (f->unit_size == 1) {
    memcpy(output, text, length);
    ((char *)output)[length] = '\0';
  } else {
    prealert_char16 *wide = (prealert_char16 *)output;
    for (size_t i = 0; i < length; ++i) wide[i] = (prealert_char16)(unsigned char)text[i];
    wide[length] = 0;
  }
}

/* What a failed-open call needs to keep a 3103 for later: the request as it would have been sent. */
typedef struct {
  const char *infno;
  const void *body;
  size_t body_length;
} unsent_request;

/* A 3103 is the doctor's decision: answering infcode 0 without it reaching the sidecar would lose it,
   so it goes to the spool. 3101/3102 are not kept: a late reminder helps nobody. *no_room is set when the data_dir
   in force cannot hold the spool and no spool_dir is set, for the log line. */
static int spool_if_decision(const flavour *f, const unsent_request *unsent, int *no_room) {
  *no_room = 0;
  if (unsent == NULL || strcmp(unsent->infno, SPOOL_INFNO) != 0) return 0;
  native_path directory;
  long max_bytes = 0;
  if (config_spool(&directory, &max_bytes) != 0) {
    *no_room = max_bytes > 0;
    return 0;
  }
  return spool_write(&directory, max_bytes, unsent->infno, f->charset, unsent->body, unsent->body_length);
}

/* What the log says about a call that failed open: never its request or answer, which carry patient data. */
typedef struct {
  const char *infno;
  int64_t started_ms;
  int port; /* 0 until the call knows which port it would try */
  const call_settings *settings; /* NULL until the call has read them */
} call_trace;

/* The fail-open reason otherwise lives only in an output buffer most HIS discard: with the log on, IT can see why a
   workstation shows no reminders. */
static void log_fail_open(const flavour *f, const call_trace *trace, failopen_reason reason, long code, int spooled,
                          int no_room_for_spool) {
  native_path path;
  long max_bytes = 0;
  config_log(&path, &max_bytes);
  if (native_path_is_empty(&path)) return;
  /* Why the port tried was the fixed one: the port file was there and could not be read. */
  char unread[ROTATING_LOG_LINE_MAX / 2] = "";
  if (trace->settings != NULL && trace->settings->port_file_error != 0) {
    char file[ROTATING_LOG_LINE_MAX / 2 - 40];
    if (native_path_to_utf8(&trace->settings->port_file, file, sizeof(file)) != 0) strcpy(file, "?");
    if (snprintf(unread, sizeof(unread), " port_file_unreadable=%s file=\"%s\"",
                 native_path_error_name(trace->settings->port_file_error), file) < 0)
      unread[0] = '\0';
  }
  char event[ROTATING_LOG_LINE_MAX];
  /* A decision not kept because of a setting names the option that can fix it. */
  snprintf(event, sizeof(event), "failopen infno=%s charset=%s reason=%s code=%ld ms=%ld port=%d spooled=%d%s%s",
           trace->infno, f->charset, failopen_reason_name(reason), code,
           (long)(shim_now_ms() - trace->started_ms), trace->port, spooled,
           no_room_for_spool ? " no_room_for_spool=data_dir" : "", unread);
  rotating_log_append(&path, max_bytes, event);
}

static int fail_open(const flavour *f, void *output, const call_trace *trace, failopen_reason reason, long code,
                     const unsent_request *unsent) {
  int no_room_for_spool = 0;
  int spooled = spool_if_decision(f, unsent, &no_room_for_spool);
  char text[ENVELOPE_TEXT_MAX];
  size_t length = failopen_envelope(text, sizeof(text), reason, code, spooled);
  write_ascii(f, output, text, length);
  log_fail_open(f, trace, reason, code, spooled, no_room_for_spool);
  return PREALERT_FAILOPEN;
}

/* A caller error still leaves a readable answer when the buffer allows, naming the argument. */
static int caller_error(const flavour *f, void *output, int capacity, int code, const char *argument,
                        const char *problem) {
  if (output == NULL || capacity < 1) return code;
  if (capacity < PREALERT_MIN_CAPACITY) {
    write_ascii(f, output, "", 0);
    return code;
  }
  char message[120];
  size_t used = 0;
  const char *parts[] = {f->function, ": ", argument, " ", problem};
  for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); ++i) {
    size_t n = strlen(parts[i]);
    if (used + n >= sizeof(message)) n = sizeof(message) - 1 - used;
    memcpy(message + used, parts[i], n);
    used += n;
  }
  message[used] = '\0';
  char text[ENVELOPE_TEXT_MAX + 120];
  size_t length = caller_error_envelope(text, sizeof(text), message, code);
  write_ascii(f, output, text, length);
  return code;
}

static int is_infno_char(unsigned c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Copies a 1-8 character alphanumeric interface number; it becomes part of the URL path. */
static int read_infno(const void *infno, size_t unit_size, char *ascii) {
  for (size_t i = 0; i <= INFNO_MAX; ++i) {
    unsigned c = unit_size == 1 ? ((const unsigned char *)infno)[i] : ((const prealert_char16 *)infno)[i];
    if (c == 0) {
      ascii[i] = '\0';
      return i > 0 ? 0 : -1;
    }
    if (!is_infno_char(c)) return -1;
    ascii[i] = (char)c;
  }
  return -1;
}

static size_t input_length_bytes(const void *input, size_t unit_size) {
  if (unit_size == 1) return strlen((const char *)input);
  const prealert_char16 *wide = (const prealert_char16 *)input;
  size_t units = 0;
  while (wide[units] != 0) ++units;
  return units * 2;
}

static int exchange(const flavour *f, const char *infno_ascii, const void *input, void *output, int capacity);

static int call(const flavour *f, const void *infno, const void *input, void *output, int capacity) {
  if (output == NULL) return PREALERT_E_NULL_ARGUMENT;
  if (capacity < PREALERT_MIN_CAPACITY) {
    return caller_error(f, output, capacity, PREALERT_E_CAPACITY, "output_capacity", "is below 256");
  }
  if (infno == NULL) return caller_error(f, output, capacity, PREALERT_E_NULL_ARGUMENT, "infno", "is NULL");
  if (input == NULL) return caller_error(f, output, capacity, PREALERT_E_NULL_ARGUMENT, f->input_arg, "is NULL");
  char infno_ascii[INFNO_MAX + 1];
  if (read_infno(infno, f->unit_size, infno_ascii) != 0) {
    return caller_error(f, output, capacity, PREALERT_E_INFNO, "infno", "must be 1-8 ASCII letters or digits");
  }
  /* A 3103 is spooled when the call fails open, which can happen after the answer has begun to arrive in
     `output`; HIS code often passes one buffer as both input and output, and the spool would then keep the
     answer's first bytes pasted over the doctor's decision. So a 3103 is sent and kept from a copy of its own. */
  void *copy = NULL;
  if (strcmp(infno_ascii, "3103") == 0) {
    size_t size = input_length_bytes(input, f->unit_size) + f->unit_size;
    copy = malloc(size);
    if (copy != NULL) {
      memcpy(copy, input, size);
      input = copy;
    }
  }
  int rc = exchange(f, infno_ascii, input, output, capacity);
  free(copy);
  return rc;
}

/* The call past its argument checks: to the sidecar and back, failing open on every way that can go wrong. */
static int exchange(const flavour *f, const char *infno_ascii, const void *input, void *output, int capacity) {
  shim_run_once(initialise);
  unsent_request unsent = {infno_ascii, input, input_length_bytes(input, f->unit_size)};
  int64_t started = shim_now_ms();
  call_trace trace = {infno_ascii, started, 0, NULL};
  int64_t breaker_left = breaker_remaining_ms(started);
  if (breaker_left > 0) return fail_open(f, output, &trace, FAILOPEN_BREAKER_OPEN, (long)breaker_left, &unsent);

  call_settings settings;
  config_for_call(infno_ascii, &settings);
  trace.port = settings.port;
  trace.settings = &settings;
  /* This user's sidecar is not running, and the fixed port could only reach someone else's: nothing is tried and
     the breaker is left alone, so the port file is read again at the next call and a sidecar that starts is found
     at once. */
  if (settings.port == 0) return fail_open(f, output, &trace, FAILOPEN_SIDECAR_UNREACHABLE, 0, &unsent);

  /* The body may use every unit but the one the terminating NUL needs. */
  size_t body_capacity = ((size_t)capacity - 1) * f->unit_size;
  exchange_request request;
  request.port = settings.port;
  request.infno = infno_ascii;
  request.charset = f->charset;
  request.token = settings.token;
  request.body = input;
  request.body_length = unsent.body_length;
  request.connect_deadline_ms = started + settings.connect_timeout_ms;
  request.deadline_ms = started + settings.timeout_ms;
  request.timeout_ms = settings.timeout_ms;
  request.response = (unsigned char *)output;
  request.response_capacity = body_capacity;

  exchange_result result;
  http_exchange(&request, &result);

  switch (result.outcome) {
    case EXCHANGE_ANSWERED:
      breaker_record_answer();
      if (!looks_like_envelope(request.response, result.response_length, f->unit_size)) {
        return fail_open(f, output, &trace, FAILOPEN_BAD_RESPONSE, result.http_status, &unsent);
      }
      /* The sidecar failed on its own for a moment: handing its infcode -1 on would let the HIS log a 3103 as
         refused and drop the doctor's decision. Failing open keeps it in the spool, which the sidecar replays. */
      if (carries_retry_mark(request.response, result.response_length, f->unit_size)) {
        return fail_open(f, output, &trace, FAILOPEN_SIDECAR_ERROR, result.http_status, &unsent);
      }
      if (f->unit_size == 1) {
        ((char *)output)[result.response_length] = '\0';
      } else {
        ((prealert_char16 *)output)[result.response_length / 2] = 0;
      }
      return PREALERT_OK;
    case EXCHANGE_UNREACHABLE:
      /* A refusal is certain: nothing listens, and every call until it does would be refused too. Any other failed
         connect is not. One still pending at its deadline means something is there, and on a starved workstation a
         live sidecar's accept can take longer than connect_timeout_ms. One that fails on this side of the socket (no
         free fd or ephemeral port in a HIS that opens many connections, a call interrupted) says nothing about the
         sidecar and may pass by the next call. Opening the breaker on those lost every reminder for 5 s while the
         sidecar answered, so they count as timeouts: the breaker opens once several come in a row. */
      if (result.refused) {
        breaker_record_connect_failure(shim_now_ms(), &settings.breaker);
      } else {
        breaker_record_timeout(shim_now_ms(), &settings.breaker);
      }
      return fail_open(f, output, &trace, FAILOPEN_SIDECAR_UNREACHABLE, result.detail, &unsent);
    case EXCHANGE_TIMEOUT:
      breaker_record_timeout(shim_now_ms(), &settings.breaker);
      return fail_open(f, output, &trace, FAILOPEN_SIDECAR_TIMEOUT, result.detail, &unsent);
    case EXCHANGE_TOO_LARGE: {
      breaker_record_answer();
      /* The code tells the integrator how large a buffer would have held the answer, in its units. */
      long needed = result.detail > 0 ? result.detail / (long)f->unit_size + 1 : 0;
      /* The sidecar did answer (a 3103 is stored before its answer is sent): nothing to keep. */
      return fail_open(f, output, &trace, FAILOPEN_RESPONSE_TOO_LARGE, needed, NULL);
    }
    case EXCHANGE_BAD_RESPONSE:
      breaker_record_answer();
      return fail_open(f, output, &trace, FAILOPEN_BAD_RESPONSE, result.detail, &unsent);
  }
  return fail_open(f, output, &trace, FAILOPEN_BAD_RESPONSE, 0, &unsent);
}

PREALERT_API int PREALERT_CALL prealert_call(const char *infno, const char *input_utf8, char *output,
                                             int output_capacity) {
  return call(&UTF8, infno, input_utf8, output, output_capacity);
}

PREALERT_API int PREALERT_CALL prealert_call_gbk(const char *infno, const char *input_gbk, char *output,
                                                 int output_capacity) {
  return call(&GB18030, infno, input_gbk, output, output_capacity);
}

PREALERT_API int PREALERT_CALL prealert_call_w(const prealert_char16 *infno, const prealert_char16 *input,
                                               prealert_char16 *output, int output_capacity) {
  return call(&UTF16, infno, input, output, output_capacity);
}

PREALERT_API const char *PREALERT_CALL prealert_version(void) {
  return "prealert-shim " PREALERT_VERSION " proto=" PREALERT_PROTOCOL " " PREALERT_PLATFORM;
}

PREALERT_API int PREALERT_CALL prealert_set_option(const char *name, const char *value) {
  if (name == NULL || value == NULL) return PREALERT_E_NULL_ARGUMENT;
  shim_run_once(initialise);
  if (strcmp(name, "breaker") == 0) {
    if (strcmp(value, "reset") != 0) return PREALERT_E_OPTION;
    breaker_reset();
    return PREALERT_OK;
  }
  if (strcmp(name, "reset") == 0) {
    if (strcmp(value, "all") != 0) return PREALERT_E_OPTION;
    config_load();
    breaker_reset();
    return PREALERT_OK;
  }
  return config_set(name, value) == CONFIG_SET ? PREALERT_OK : PREALERT_E_OPTION;
}
