import fs from 'node:fs';
import path from 'node:path';
import { REPO_DIR } from './paths';

export interface OrderLine {
  code: string;
  name: string;
}

interface KnowledgePoint {
  rule_name: string;
  item_name: string;
  limit_type: string;
  limit_value: string | null;
  codes: string[];
}

/**
 * Drugs the national knowledge base limits to men (药品区分性别使用), with their real national codes,
 * from the 2026-01 re-issue that the bundled library applies. Prescribed to a woman, each one is a 3101
 * warning.
 */
export function maleOnlyDrugs(): OrderLine[] {
  const file = path.join(REPO_DIR, 'rules-cache', 'national', 'revision_2026_01_knowledge_points.json');
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { knowledge_points: KnowledgePoint[] };
  const drugs = data.knowledge_points
    .filter((kp) => kp.rule_name === '药品区分性别使用' && kp.limit_value === '男' && kp.codes.length > 0)
    .map((kp) => ({ code: kp.codes[0]!, name: kp.item_name }));
  if (drugs.length < 5) throw new Error(`expected male-only drugs in ${file}, found ${drugs.length}`);
  return drugs;
}

export interface PatientOptions {
  patnId?: string;
  patnName?: string;
  /** 1 male, 2 female. */
  gend?: string;
  rxIdPrefix?: string;
}

const NOW = '2026-11-23 09:30:00';

/** A complete national 3101 envelope (trig_scen 2, outpatient) with one order line per drug. */
export function request3101(lines: OrderLine[], options: PatientOptions = {}) {
  const patnId = options.patnId ?? 'P0001';
  const rx = options.rxIdPrefix ?? 'RX0001';
  return {
    infno: '3101',
    msgid: 'H430702000012026112309300001',
    mdtrtarea_admvs: '430700',
    insuplc_admdvs: '430700',
    recer_sys_code: 'MBS_LOCAL',
    dev_no: '',
    dev_safe_info: '',
    cainfo: '',
    signtype: '',
    infver: 'V1.0',
    opter_type: '1',
    opter: 'D0001',
    opter_name: '王医生',
    inf_time: NOW,
    fixmedins_code: 'H43070200001',
    fixmedins_name: '测试医院',
    sign_no: '',
    input: {
      data: {
        syscode: 'SHIMTEST',
        task_id: `T-${patnId}`,
        trig_scen: '2',
        rule_ids: [],
        patient_dtos: [
          {
            patn_id: patnId,
            patn_name: options.patnName ?? '李梅',
            gend: options.gend ?? '2',
            brdy: '1968-04-12',
            poolarea: '430700',
            curr_mdtrt_id: 'M0001',
            fsi_his_data_dto: '',
            fsi_encounter_dtos: [
              {
                mdtrt_id: 'M0001',
                medins_id: 'H43070200001',
                medins_name: '测试医院',
                medins_admdvs: '430702',
                medins_type: '1',
                medins_lv: '02',
                adm_date: NOW,
                dscg_date: NOW,
                dscg_main_dise_codg: 'I10.x00',
                dscg_main_dise_name: '原发性高血压',
                fsi_diagnose_dtos: [
                  {
                    dise_id: 'DG0001',
                    inout_dise_type: '1',
                    maindise_flag: '1',
                    dias_srt_no: '1',
                    dise_codg: 'I10.x00',
                    dise_name: '原发性高血压',
                    dise_date: NOW,
                  },
                ],
                dr_codg: 'D0001',
                adm_dept_codg: '0301',
                adm_dept_name: '心内科',
                dscg_dept_codg: '0301',
                dscg_dept_name: '心内科',
                med_mdtrt_type: '1',
                med_type: '11',
                fsi_order_dtos: lines.map((line, i) => ({
                  rx_id: `${rx}-${i + 1}`,
                  rxno: rx,
                  grpno: '',
                  long_drord_flag: '0',
                  hilist_type: '101',
                  chrg_type: '09',
                  drord_bhvr: '0',
                  hilist_code: line.code,
                  hilist_name: line.name,
                  hilist_lv: '2',
                  hilist_pric: 35.5,
                  hosplist_code: `YP${String(i + 1).padStart(4, '0')}`,
                  hosplist_name: line.name,
                  cnt: 1,
                  pric: 35.5,
                  sumamt: 35.5,
                  ownpay_amt: 0,
                  selfpay_amt: 3.55,
                  spec: '30片/盒',
                  spec_unt: '盒',
                  drord_begn_date: NOW,
                  drord_dept_codg: '0301',
                  drord_dept_name: '心内科',
                  drord_dr_codg: 'D0001',
                  drord_dr_name: '王医生',
                  drord_dr_profttl: '234',
                  curr_drord_flag: '1',
                })),
                matn_stas: '0',
                medfee_sumamt: 35.5 * lines.length,
                ownpay_amt: 0,
                selfpay_amt: 3.55 * lines.length,
                setl_totlnum: 1,
                insutype: '310',
                reim_flag: '0',
                out_setl_flag: '0',
                fsi_operation_dtos: [],
              },
            ],
          },
        ],
      },
    },
  };
}

/** 3103 feedback for the given jr_ids: 1 continue (with the mandatory reason) or 2 revise. */
export function request3103(jrIds: string[], dspoWay: '1' | '2' = '1') {
  return {
    infno: '3103',
    input: {
      data: {
        warn_type: '1',
        warns: jrIds.map((id) => ({
          warn_rslt_id: id,
          dspo_way: dspoWay,
          dspo_way_rea: dspoWay === '1' ? '已与患者沟通，继续执行' : '',
        })),
      },
    },
  };
}

export interface ResultItem {
  jr_id: string;
  rule_id: string;
  patn_id: string;
  rule_name?: string;
  wf_impact?: string;
  vola_evid?: string;
  vola_cont: string;
  sev_deg: string;
  judge_result_detail_dtos?: { rx_id?: string; vola_item_type?: string }[];
}

export interface ResponseEnvelope {
  infcode: number | string;
  err_msg: string;
  output: { result?: ResultItem[]; truncated?: boolean };
  shim?: { failopen: boolean; reason: string; code: number };
}
