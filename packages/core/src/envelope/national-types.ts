/**
 * The national 3101/3102/3103 interface as the wire carries it (field names kept as NHSA spells them).
 * These describe what prealert *accepts* after tolerant coercion (see schemas.ts): arrays where the
 * spec says 集合, numbers where it says 数值. Unknown provincial extension fields pass through untouched.
 */

export type Infno = '3101' | '3102' | '3103';

export interface RequestEnvelope<TInput = unknown> {
  infno: string;
  msgid?: string;
  mdtrtarea_admvs?: string;
  insuplc_admdvs?: string;
  recer_sys_code?: string;
  dev_no?: string;
  dev_safe_info?: string;
  cainfo?: string;
  signtype?: string;
  infver?: string;
  opter_type?: string;
  opter?: string;
  opter_name?: string;
  inf_time?: string;
  fixmedins_code?: string;
  fixmedins_name?: string;
  sign_no?: string;
  input: TInput;
  [extension: string]: unknown;
}

export interface ResponseEnvelope<TOutput = unknown> {
  infcode: number;
  inf_refmsgid: string;
  refmsg_time: string;
  respond_time: string;
  err_msg: string;
  warn_msg?: string;
  output: TOutput;
  [extension: string]: unknown;
}

export interface DiagnoseDto {
  dise_id?: string;
  inout_dise_type?: string;
  maindise_flag?: string;
  dias_srt_no?: string;
  dise_codg?: string;
  dise_name?: string;
  dise_date?: string;
  [extension: string]: unknown;
}

export interface OrderDto {
  rx_id: string;
  rxno?: string;
  grpno?: string;
  long_drord_flag?: string;
  hilist_type?: string;
  chrg_type?: string;
  drord_bhvr?: string;
  /** Missing or "": a data-quality reminder (结算明细信息异常) on the line. */
  hilist_code?: string;
  hilist_name?: string;
  hilist_dosform?: string;
  hilist_lv?: string;
  hilist_pric?: number;
  hosplist_code?: string;
  hosplist_name?: string;
  cnt?: number;
  pric?: number;
  sumamt?: number;
  ownpay_amt?: number;
  selfpay_amt?: number;
  spec?: string;
  spec_unt?: string;
  drord_begn_date?: string;
  drord_stop_date?: string;
  drord_dept_codg?: string;
  drord_dept_name?: string;
  drord_dr_codg?: string;
  drord_dr_name?: string;
  drord_dr_profttl?: string;
  curr_drord_flag?: string;
  [extension: string]: unknown;
}

export interface OperationDto {
  setl_list_oprn_id?: string;
  oprn_code?: string;
  oprn_name?: string;
  main_oprn_flag?: string;
  oprn_date?: string;
  [extension: string]: unknown;
}

export interface EncounterDto {
  mdtrt_id: string;
  medins_id?: string;
  medins_name?: string;
  medins_admdvs?: string;
  medins_type?: string;
  medins_lv?: string;
  wardarea_codg?: string;
  wardno?: string;
  bedno?: string;
  adm_date?: string;
  dscg_date?: string;
  dscg_main_dise_codg?: string;
  dscg_main_dise_name?: string;
  fsi_diagnose_dtos: DiagnoseDto[];
  dr_codg?: string;
  adm_dept_codg?: string;
  adm_dept_name?: string;
  dscg_dept_codg?: string;
  dscg_dept_name?: string;
  med_mdtrt_type?: string;
  med_type?: string;
  fsi_order_dtos: OrderDto[];
  matn_stas?: string;
  medfee_sumamt?: number;
  ownpay_amt?: number;
  selfpay_amt?: number;
  setl_totlnum?: number;
  insutype?: string;
  reim_flag?: string;
  out_setl_flag?: string;
  fsi_operation_dtos?: OperationDto[];
  [extension: string]: unknown;
}

export interface PatientDto {
  patn_id: string;
  patn_name?: string;
  gend?: string;
  brdy?: string;
  poolarea?: string;
  curr_mdtrt_id?: string;
  fsi_his_data_dto?: unknown;
  fsi_encounter_dtos: EncounterDto[];
  [extension: string]: unknown;
}

/** 3101/3102 `input.data`. */
export interface AnalysisData {
  syscode?: string;
  task_id?: string;
  trig_scen?: string;
  rule_ids?: string[];
  patient_dtos: PatientDto[];
  [extension: string]: unknown;
}

export interface AnalysisInput {
  data: AnalysisData;
}

/** 3101/3102 `output.result[].judge_result_detail_dtos[]`. */
export interface JudgeResultDetailDto {
  jrd_id: string;
  patn_id: string;
  mdtrt_id: string;
  rx_id: string;
  /** 1 违规项, 2 涉及项. */
  vola_item_type: '1' | '2';
  vola_amt: number;
}

/** 3101/3102 `output.result[]`. Fields after `task_id` are prealert extensions, ignored by national clients. */
export interface JudgeResultDto {
  jr_id: string;
  rule_id: string;
  rule_name: string;
  vola_cont: string;
  patn_id: string;
  mdtrt_id: string;
  judge_result_detail_dtos: JudgeResultDetailDto[];
  vola_amt: number;
  /** 0 异常 (could not compute), 1 正常. */
  vola_amt_stas: '0' | '1';
  /** 1 明确违规, 2 高度可疑, 3 轻度可疑. */
  sev_deg: '1' | '2' | '3';
  vola_evid: string;
  /** No national dictionary was found; prealert sends the rule class: 1 政策类, 2 管理类, 3 医疗类. */
  vola_bhvr_type: string;
  task_id: string;
  /** prealert: what continuing needs (notice | confirm | reason | block). */
  wf_impact: WorkflowImpact;
  /** prealert: the knowledge point that fired (empty for rule-level checks). */
  kp_id: string;
}

export interface AnalysisOutput {
  result: JudgeResultDto[];
  /**
   * prealert: set by the sidecar when the answer is incomplete, either cut to fit the caller's buffer or missing the
   * provincial gateway's warnings. A warning absent from it may only have been left out.
   */
  truncated?: boolean;
  [extension: string]: unknown;
}

/** 3103 `input.data.warns[]`. */
export interface FeedbackWarnDto {
  warn_rslt_id: string;
  /** 1 继续执行医嘱, 2 返回修改医嘱. */
  dspo_way: '1' | '2';
  dspo_way_rea?: string;
}

/** 3103 `input.data`. */
export interface FeedbackData {
  /** 1 事前 (answers a 3101), 2 事中 (answers a 3102). */
  warn_type: '1' | '2';
  warns: FeedbackWarnDto[];
  [extension: string]: unknown;
}

export interface FeedbackInput {
  data: FeedbackData;
}

export type Severity = 1 | 2 | 3;
export type WorkflowImpact = 'notice' | 'confirm' | 'reason' | 'block';
