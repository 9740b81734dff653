/*
 * A doctor station in miniature, calling prealert the way a desktop HIS calls an insurance DLL:
 *   1. the doctor saves a prescription: 3101 with the national envelope;
 *   2. the station shows the reminders that come back (or proceeds silently if none, or if prealert
 *      is not available: the shim then "fails open" and the station must never block the doctor);
 *   3. the doctor decides, and the station reports the decision with 3103.
 *
 * Usage: his_desktop [--library PATH] [--port N] [--data-dir DIR] [--decision continue|revise]
 * On Windows it uses prealert_call_gbk, as an ANSI (GBK) program would; elsewhere prealert_call (UTF-8).
 * The requests below are pure ASCII (Chinese text as \u escapes in JSON), so the same bytes are valid
 * in both encodings. The drug code is real: 阿帕他胺片 from the national knowledge base, limited to men,
 * prescribed here to a woman, so a 3101 reminder is expected.
 */
#include "json_scan.h"
#include "shim_loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OUTPUT_CAPACITY 65536 /* recommended: the sidecar trims its answer to fit, but 64 KB rarely needs it */
#define MAX_WARNINGS 32

typedef struct {
  char jr_id[64];
} warning_ref;

static shim_functions shim;

static int call_shim(const char *infno, const char *request, char *output) {
#if defined(_WIN32)
  return shim.call_gbk(infno, request, output, OUTPUT_CAPACITY);
#else
  return shim.call(infno, request, output, OUTPUT_CAPACITY);
#endif
}

static void now_text(char *out, size_t capacity, const char *format) {
  time_t now = time(NULL);
  strftime(out, capacity, format, localtime(&now));
}

static void build_3101(char *request, size_t capacity) {
  char inf_time[32], stamp[32], today[32];
  now_text(inf_time, sizeof(inf_time), "%Y-%m-%d %H:%M:%S");
  now_text(stamp, sizeof(stamp), "%Y%m%d%H%M%S");
  now_text(today, sizeof(today), "%Y-%m-%d 08:30:00");
  snprintf(request, capacity,
           "{\"infno\":\"3101\",\"msgid\":\"H12345678901%s0001\",\"mdtrtarea_admvs\":\"430700\","
           "\"insuplc_admdvs\":\"430700\",\"recer_sys_code\":\"MBS_LOCAL\",\"dev_no\":\"\",\"dev_safe_info\":\"\","
           "\"cainfo\":\"\",\"signtype\":\"\",\"infver\":\"V1.0\",\"opter_type\":\"1\",\"opter\":\"D0001\","
           "\"opter_name\":\"\\u738b\\u533b\\u751f\",\"inf_time\":\"%s\",\"fixmedins_code\":\"H12345678901\","
           "\"fixmedins_name\":\"\\u6d4b\\u8bd5\\u533b\\u9662\",\"sign_no\":\"\","
           "\"input\":{\"data\":{\"syscode\":\"HISDEMO\",\"task_id\":\"T%s\",\"trig_scen\":\"2\",\"rule_ids\":[],"
           "\"patient_dtos\":[{\"patn_id\":\"P0001\",\"patn_name\":\"\\u674e\\u6885\",\"gend\":\"2\","
           "\"brdy\":\"1968-04-12\",\"poolarea\":\"430700\",\"curr_mdtrt_id\":\"M0001\",\"fsi_his_data_dto\":\"\","
           "\"fsi_encounter_dtos\":[{\"mdtrt_id\":\"M0001\",\"medins_id\":\"H12345678901\","
           "\"medins_name\":\"\\u6d4b\\u8bd5\\u533b\\u9662\",\"medins_admdvs\":\"430700\",\"medins_type\":\"1\","
           "\"medins_lv\":\"02\",\"adm_date\":\"%s\",\"dscg_date\":\"%s\",\"dscg_main_dise_codg\":\"I10.x00\","
           "\"dscg_main_dise_name\":\"\\u539f\\u53d1\\u6027\\u9ad8\\u8840\\u538b\","
           "\"fsi_diagnose_dtos\":[{\"dise_id\":\"DG0001\",\"inout_dise_type\":\"1\",\"maindise_flag\":\"1\","
           "\"dias_srt_no\":\"1\",\"dise_codg\":\"I10.x00\",\"dise_name\":\"\\u539f\\u53d1\\u6027\\u9ad8\\u8840\\u538b\","
           "\"dise_date\":\"%s\"}],\"dr_codg\":\"D0001\",\"adm_dept_codg\":\"0301\","
           "\"adm_dept_name\":\"\\u5fc3\\u5185\\u79d1\",\"dscg_dept_codg\":\"0301\","
           "\"dscg_dept_name\":\"\\u5fc3\\u5185\\u79d1\",\"med_mdtrt_type\":\"1\",\"med_type\":\"11\","
           "\"fsi_order_dtos\":[{\"rx_id\":\"RX0001-1\",\"rxno\":\"RX0001\",\"grpno\":\"\",\"long_drord_flag\":\"0\","
           "\"hilist_type\":\"101\",\"chrg_type\":\"09\",\"drord_bhvr\":\"0\",\"hilist_code\":\"XL02BBA326A001010102180\","
           "\"hilist_name\":\"\\u963f\\u5e15\\u4ed6\\u80fa\\u7247\",\"hilist_dosform\":\"\\u7247\\u5242\","
           "\"hilist_lv\":\"2\",\"hilist_pric\":35.5,\"hosplist_code\":\"YP0001\","
           "\"hosplist_name\":\"\\u963f\\u5e15\\u4ed6\\u80fa\\u7247\",\"cnt\":1,\"pric\":35.5,\"sumamt\":35.5,"
           "\"ownpay_amt\":0,\"selfpay_amt\":3.55,\"spec\":\"60mg*30\",\"spec_unt\":\"\\u76d2\","
           "\"drord_begn_date\":\"%s\",\"drord_dept_codg\":\"0301\",\"drord_dept_name\":\"\\u5fc3\\u5185\\u79d1\","
           "\"drord_dr_codg\":\"D0001\",\"drord_dr_name\":\"\\u738b\\u533b\\u751f\",\"drord_dr_profttl\":\"234\","
           "\"curr_drord_flag\":\"1\"}],\"matn_stas\":\"0\",\"medfee_sumamt\":35.5,\"ownpay_amt\":0,"
           "\"selfpay_amt\":3.55,\"setl_totlnum\":1,\"insutype\":\"310\",\"reim_flag\":\"0\",\"out_setl_flag\":\"0\","
           "\"fsi_operation_dtos\":[]}]}]}}}",
           stamp, inf_time, stamp, today, today, today, inf_time);
}

static long infcode_of(json_span envelope) {
  json_span value;
  char text[32];
  if (json_field(envelope, "infcode", &value) != 0) return -999;
  json_text(value, text, sizeof(text));
  return strtol(text, NULL, 10);
}

/* Prints why the shim failed open, if it did; returns 1 in that case. */
static int report_failopen(json_span envelope) {
  json_span shim_part, reason;
  char text[64];
  if (json_field(envelope, "shim", &shim_part) != 0 || json_field(shim_part, "reason", &reason) != 0) return 0;
  json_text(reason, text, sizeof(text));
  printf("prealert unavailable (%s): proceeding without reminders\n", text);
  return 1;
}

static int show_warnings(const char *output, warning_ref *refs) {
  json_span envelope = json_whole(output), body, results, item;
  int count = 0;
  if (json_field(envelope, "output", &body) != 0 || json_field(body, "result", &results) != 0) return 0;
  while (count < MAX_WARNINGS && json_next_element(&results, &item) == 0) {
    json_span field;
    char rule_name[256] = "", content[1024] = "", severity[8] = "", rule_id[64] = "";
    if (json_field(item, "jr_id", &field) == 0) json_text(field, refs[count].jr_id, sizeof(refs[count].jr_id));
    if (json_field(item, "rule_id", &field) == 0) json_text(field, rule_id, sizeof(rule_id));
    if (json_field(item, "rule_name", &field) == 0) json_text(field, rule_name, sizeof(rule_name));
    if (json_field(item, "vola_cont", &field) == 0) json_text(field, content, sizeof(content));
    if (json_field(item, "sev_deg", &field) == 0) json_text(field, severity, sizeof(severity));
    printf("  warning %d [sev_deg %s] %s %s\n    %s\n    jr_id=%s\n", count + 1, severity, rule_id, rule_name, content,
           refs[count].jr_id);
    ++count;
  }
  return count;
}

static void build_3103(char *request, size_t capacity, const warning_ref *refs, int count, int keep_going) {
  size_t used = (size_t)snprintf(request, capacity, "{\"infno\":\"3103\",\"input\":{\"data\":{\"warn_type\":\"1\",\"warns\":[");
  for (int i = 0; i < count && used < capacity; ++i) {
    used += (size_t)snprintf(request + used, capacity - used,
                             "%s{\"warn_rslt_id\":\"%s\",\"dspo_way\":\"%s\",\"dspo_way_rea\":\"%s\"}", i ? "," : "",
                             refs[i].jr_id, keep_going ? "1" : "2",
                             /* 继续执行: 已与患者沟通 — a reason is mandatory when continuing */
                             keep_going ? "\\u7ee7\\u7eed\\u6267\\u884c: \\u5df2\\u4e0e\\u60a3\\u8005\\u6c9f\\u901a" : "");
  }
  if (used < capacity) snprintf(request + used, capacity - used, "]}}}");
}

int main(int argc, char **argv) {
  const char *library = NULL, *port = NULL, *data_dir = NULL, *decision = "continue";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--library") == 0) library = argv[i + 1];
    else if (strcmp(argv[i], "--port") == 0) port = argv[i + 1];
    else if (strcmp(argv[i], "--data-dir") == 0) data_dir = argv[i + 1];
    else if (strcmp(argv[i], "--decision") == 0) decision = argv[i + 1];
  }
  /* Unbuffered: a program that dies mid-prescription still shows how far it got. */
  setvbuf(stdout, NULL, _IONBF, 0);
  if (shim_load(library, &shim) != 0) return 2;
  printf("shim: %s\n", shim.version());
  if (port != NULL && shim.set_option("port", port) != PREALERT_OK) fprintf(stderr, "bad --port %s\n", port);
  if (data_dir != NULL && shim.set_option("data_dir", data_dir) != PREALERT_OK) fprintf(stderr, "bad --data-dir\n");

  static char request[16384];
  static char output[OUTPUT_CAPACITY];
  build_3101(request, sizeof(request));
  int rc = call_shim("3101", request, output);
  json_span answer = json_whole(output);
  printf("3101 rc=%d infcode=%ld\n", rc, infcode_of(answer));
  if (rc != PREALERT_OK) {
    /* Any return code other than 0: proceed exactly as if there were no reminders. */
    report_failopen(answer);
    printf("prescription saved\n");
    return 0;
  }
  if (infcode_of(answer) != 0) {
    json_span message;
    char text[512] = "";
    if (json_field(answer, "err_msg", &message) == 0) json_text(message, text, sizeof(text));
    printf("3101 rejected the request: %s\nprescription saved\n", text);
    return 0;
  }

  warning_ref refs[MAX_WARNINGS];
  int count = show_warnings(output, refs);
  printf("3101 warnings=%d\n", count);
  if (count == 0) {
    printf("prescription saved\n");
    return 0;
  }

  int keep_going = strcmp(decision, "revise") != 0;
  printf("doctor decides: %s\n", keep_going ? "continue (dspo_way 1)" : "go back and revise (dspo_way 2)");
  build_3103(request, sizeof(request), refs, count, keep_going);
  rc = call_shim("3103", request, output);
  answer = json_whole(output);
  printf("3103 rc=%d infcode=%ld\n", rc, infcode_of(answer));
  if (rc != PREALERT_OK) report_failopen(answer);
  printf(keep_going ? "prescription saved\n" : "back to the prescription\n");
  return 0;
}
