import {
  type AnalysisInput,
  type AnalyzeOutcome,
  analyze,
  type CompiledLibrary,
  type EvaluatorConfig,
  type JudgeResultDto,
  validateAnalysisInput,
} from '@prealert/core';

export interface LineSpec {
  code: string;
  name?: string;
  rx_id?: string;
  rxno?: string;
  /** 组号; left out of the order unless given. */
  grpno?: string;
  type?: string;
  cnt?: number | string;
  pric?: number | string;
  sumamt?: number | string;
  hilist_pric?: number;
  date?: string;
  stop?: string;
  long?: boolean;
  /** drord_bhvr 医嘱行为: "1" 出院带药; "0" unless given. */
  bhvr?: string;
  current?: boolean;
  unit?: string;
  dept?: string;
  doctor?: string;
  title?: string;
}

export interface RequestSpec {
  gend?: string;
  brdy?: string;
  med_mdtrt_type?: string;
  med_type?: string;
  insutype?: string;
  medins_lv?: string;
  adm_date?: string;
  /** The current encounter's discharge; adm_date unless given, as S-01 fills it for a patient still in hospital. */
  dscg_date?: string;
  diagnoses?: string[];
  trig_scen?: string;
  mdtrt_id?: string;
  lines: LineSpec[];
  /** Earlier encounters sent for history; their admission and discharge default to the request's adm_date. */
  history?: { mdtrt_id: string; lines: LineSpec[]; adm_date?: string; dscg_date?: string }[];
}

/** 药品限支付疗程 (max_pay_days), the national rule the inpatient replays read most. */
export const PAY_DAYS = 'GZ10000101010000';

/** 22:00 of a November 2026 day in Shanghai: when the inpatient replays' requests are sent. */
export const evening = (day: number): Date => new Date(Date.UTC(2026, 10, day, 14));

/** An inpatient stay (med_mdtrt_type 2, med_type 21 住院) admitted at `adm_date`. */
export function inpatient(adm_date: string): Pick<RequestSpec, 'med_mdtrt_type' | 'med_type' | 'adm_date'> {
  return { med_mdtrt_type: '2', med_type: '21', adm_date };
}

let counter = 0;

function order(l: LineSpec, i: number, defaults: { dept: string; doctor: string }) {
  const cnt = l.cnt ?? 1;
  const pric = l.pric ?? 10;
  return {
    rx_id: l.rx_id ?? `RX-${++counter}-${i}`,
    rxno: l.rxno ?? 'CF0001',
    ...(l.grpno === undefined ? {} : { grpno: l.grpno }),
    long_drord_flag: l.long ? '1' : '0',
    hilist_type:
      l.type ?? (l.code.startsWith('X') || l.code.startsWith('Z') ? '101' : l.code.startsWith('T') ? '102' : '201'),
    chrg_type: '09',
    drord_bhvr: l.bhvr ?? '0',
    hilist_code: l.code,
    hilist_name: l.name ?? l.code,
    hilist_lv: '1',
    hilist_pric: l.hilist_pric ?? Number(pric),
    hosplist_code: `H${l.code.slice(-6)}`,
    hosplist_name: l.name ?? l.code,
    cnt,
    pric,
    sumamt: l.sumamt ?? Math.round(Number(cnt) * Number(pric) * 100) / 100,
    ownpay_amt: 0,
    selfpay_amt: 0,
    spec: '1',
    spec_unt: l.unit ?? (l.code.startsWith('T') ? 'g' : '盒'),
    drord_begn_date: l.date ?? '2026-11-20 09:00:00',
    drord_stop_date: l.stop ?? '',
    drord_dept_codg: l.dept ?? defaults.dept,
    drord_dept_name: '内科',
    drord_dr_codg: l.doctor ?? defaults.doctor,
    drord_dr_name: '王医生',
    drord_dr_profttl: l.title ?? '234',
    curr_drord_flag: l.current === false ? '0' : '1',
  };
}

function encounter(spec: RequestSpec, id: string, lines: LineSpec[], dates: { adm?: string; dscg?: string } = {}) {
  const defaults = { dept: 'A03', doctor: 'D110000000001' };
  return {
    mdtrt_id: id,
    medins_id: 'H11010100001',
    medins_name: '测试医院',
    medins_admdvs: '110101',
    medins_type: '1',
    medins_lv: spec.medins_lv ?? '3',
    adm_date: dates.adm ?? spec.adm_date ?? '2026-11-20 08:30:00',
    dscg_date: dates.dscg ?? dates.adm ?? spec.adm_date ?? '2026-11-20 08:30:00',
    dscg_main_dise_codg: (spec.diagnoses ?? ['J06.900'])[0] ?? '',
    dscg_main_dise_name: '诊断',
    fsi_diagnose_dtos: (spec.diagnoses ?? ['J06.900']).map((code, i) => ({
      dise_id: `DX${i}`,
      inout_dise_type: '1',
      maindise_flag: i === 0 ? '1' : '0',
      dias_srt_no: String(i + 1),
      dise_codg: code,
      dise_name: '诊断',
      dise_date: '2026-11-20 08:40:00',
    })),
    dr_codg: defaults.doctor,
    adm_dept_codg: defaults.dept,
    adm_dept_name: '内科',
    dscg_dept_codg: defaults.dept,
    dscg_dept_name: '内科',
    med_mdtrt_type: spec.med_mdtrt_type ?? '1',
    med_type: spec.med_type ?? '11',
    fsi_order_dtos: lines.map((l, i) => order(l, i, defaults)),
    matn_stas: '0',
    medfee_sumamt: 0,
    ownpay_amt: 0,
    selfpay_amt: 0,
    setl_totlnum: 1,
    insutype: spec.insutype ?? '310',
    reim_flag: '0',
    out_setl_flag: '0',
    fsi_operation_dtos: [],
  };
}

/** A 3101 `input` shaped like a real HIS doctor station's. */
export function analysisInput(spec: RequestSpec): AnalysisInput {
  const id = spec.mdtrt_id ?? 'MDTRT-1';
  return {
    data: {
      syscode: 'HIS',
      task_id: `TASK-${++counter}`,
      trig_scen: spec.trig_scen ?? '2',
      rule_ids: [],
      patient_dtos: [
        {
          patn_id: 'PSN-0001',
          patn_name: '测试患者',
          gend: spec.gend ?? '1',
          brdy: spec.brdy ?? '1980-01-01',
          poolarea: '110100',
          curr_mdtrt_id: id,
          fsi_his_data_dto: '',
          fsi_encounter_dtos: [
            encounter(spec, id, spec.lines, { dscg: spec.dscg_date }),
            ...(spec.history ?? []).map((h) =>
              encounter(spec, h.mdtrt_id, h.lines, { adm: h.adm_date, dscg: h.dscg_date }),
            ),
          ],
        },
      ],
    },
  } as unknown as AnalysisInput;
}

export function run(
  library: CompiledLibrary,
  spec: RequestSpec | AnalysisInput,
  config?: Partial<EvaluatorConfig>,
  infno: '3101' | '3102' = '3101',
  /** The request time; 2026-11-20 14:00 in Shanghai unless a test replays another day. */
  now = new Date('2026-11-20T06:00:00Z'),
): AnalyzeOutcome {
  const input = 'lines' in spec ? analysisInput(spec) : spec;
  const valid = validateAnalysisInput(input);
  if (!valid.ok) throw new Error(valid.message);
  return analyze(library, valid.value, { infno, now, config });
}

/** The results of one rule, failing loudly when evaluation was rejected. */
export function resultsOf(outcome: AnalyzeOutcome, ruleId?: string): JudgeResultDto[] {
  if (!outcome.ok) throw new Error(outcome.message);
  return ruleId ? outcome.output.result.filter((r) => r.rule_id === ruleId) : outcome.output.result;
}

export function flaggedRx(result: JudgeResultDto): string[] {
  return result.judge_result_detail_dtos.filter((d) => d.vola_item_type === '1').map((d) => d.rx_id);
}

export function involvedRx(result: JudgeResultDto): string[] {
  return result.judge_result_detail_dtos.filter((d) => d.vola_item_type === '2').map((d) => d.rx_id);
}
