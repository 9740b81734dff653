/**
 * JSON Schemas of what prealert needs to evaluate. They are deliberately loose where real clients differ (extra
 * provincial fields pass, numbers may be strings) and strict where evaluation would otherwise guess (ids, codes).
 * Every field the evaluator reads is declared here, so that it reads only what the schema let through: a field left
 * out passes as whatever JSON the client sent (an object whose String() throws included).
 */

const str = { type: 'string' } as const;
// Bounded so that "1e400" (Infinity once coerced) and other absurd amounts are named as errors: national amounts
// are 数值 16,2, counts 6,2, far inside this.
const num = { type: 'number', minimum: -1e15, maximum: 1e15 } as const;
// rule_ids: one string ("GZ…,GZ…"), a list of them, or nothing. A list's items are ids: a number is coerced to its
// text, an object or a list in it is an error naming rule_ids (it used to pass, and normalisation printed it).
const strOrList = { anyOf: [{ type: 'string' }, { type: 'array', items: str }, { type: 'null' }] } as const;

export const diagnoseSchema = {
  type: 'object',
  properties: {
    dise_id: str,
    inout_dise_type: str,
    maindise_flag: str,
    dias_srt_no: str,
    dise_codg: str,
    dise_name: str,
    dise_date: str,
  },
} as const;

export const orderSchema = {
  type: 'object',
  // hilist_code may be missing: rules.md makes that a 结算明细信息异常 reminder on the line, not a refused request.
  required: ['rx_id'],
  properties: {
    rx_id: { type: 'string', minLength: 1 },
    rxno: str,
    grpno: str,
    long_drord_flag: str,
    hilist_type: str,
    chrg_type: str,
    drord_bhvr: str,
    hilist_code: str,
    hilist_name: str,
    hilist_lv: str,
    // Read as the line's name where hilist_name is blank: declared so that only text (or a number, coerced) gets
    // there, never an object that cannot be printed.
    hosplist_name: str,
    hilist_pric: num,
    cnt: num,
    pric: num,
    sumamt: num,
    ownpay_amt: num,
    selfpay_amt: num,
    spec: str,
    spec_unt: str,
    drord_begn_date: str,
    drord_stop_date: str,
    drord_dept_codg: str,
    drord_dept_name: str,
    drord_dr_codg: str,
    drord_dr_name: str,
    drord_dr_profttl: str,
    curr_drord_flag: str,
  },
} as const;

export const encounterSchema = {
  type: 'object',
  required: ['mdtrt_id', 'fsi_order_dtos'],
  properties: {
    mdtrt_id: { type: 'string', minLength: 1 },
    medins_id: str,
    medins_lv: str,
    adm_date: str,
    dscg_date: str,
    dscg_main_dise_codg: str,
    dr_codg: str,
    adm_dept_codg: str,
    adm_dept_name: str,
    // The department where adm_dept_codg/name are blank.
    dscg_dept_codg: str,
    dscg_dept_name: str,
    med_mdtrt_type: str,
    med_type: str,
    insutype: str,
    matn_stas: str,
    medfee_sumamt: num,
    fsi_diagnose_dtos: { type: 'array', items: diagnoseSchema },
    fsi_order_dtos: { type: 'array', items: orderSchema },
    fsi_operation_dtos: { type: 'array', items: { type: 'object' } },
  },
} as const;

export const patientSchema = {
  type: 'object',
  required: ['patn_id', 'fsi_encounter_dtos'],
  properties: {
    patn_id: { type: 'string', minLength: 1 },
    patn_name: str,
    gend: str,
    brdy: str,
    poolarea: str,
    curr_mdtrt_id: str,
    fsi_his_data_dto: {},
    fsi_encounter_dtos: { type: 'array', minItems: 1, items: encounterSchema },
  },
} as const;

/**
 * The longest task_id a 3101/3102 may carry, in characters (code points, as maxLength counts). The spec gives none
 * (字符, N; GUIDs or msgid in practice, a composed id reaches ~100); the answer is found again by it in a URL
 * (/v1/tasks/:task_id, /ui/reminder/:task_id), so it needs a bound the sidecar's router is set to take.
 */
export const MAX_TASK_ID_LENGTH = 200;

export const analysisInputSchema = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['patient_dtos'],
      properties: {
        syscode: str,
        task_id: { type: 'string', maxLength: MAX_TASK_ID_LENGTH },
        trig_scen: { anyOf: [{ type: 'string' }, { type: 'array', items: str }] },
        rule_ids: strOrList,
        patient_dtos: { type: 'array', minItems: 1, items: patientSchema },
      },
    },
  },
} as const;

export const feedbackInputSchema = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['warn_type', 'warns'],
      properties: {
        warn_type: { type: 'string', enum: ['1', '2'] },
        warns: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['warn_rslt_id', 'dspo_way'],
            properties: {
              warn_rslt_id: { type: 'string', minLength: 1 },
              dspo_way: { type: 'string', enum: ['1', '2'] },
              dspo_way_rea: { type: 'string', maxLength: 500 },
            },
          },
        },
      },
    },
  },
} as const;

export const requestEnvelopeSchema = {
  type: 'object',
  required: ['infno', 'input'],
  properties: {
    infno: { type: 'string', minLength: 1 },
    msgid: str,
    mdtrtarea_admvs: str,
    opter: str,
    inf_time: str,
    fixmedins_code: str,
    input: { type: 'object' },
  },
} as const;
