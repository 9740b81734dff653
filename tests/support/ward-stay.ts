/**
 * A ward's long stay as its station sends it in a 3101 (trig_scen 5): the whole stay so far, a long-term order per
 * day. Shared by the grouped-lines tests of the widget and of the sidecar's reminder page; real NHSA codes.
 */
import type { AnalysisInput } from '@prealert/core';

// 奥扎格雷氨丁三醇注射用浓溶液: 限新发的急性血栓性脑梗死，支付不超过14天 (national knowledge point max_pay_days 14天).
export const OZAGREL = { code: 'XB01AXA223B004010180963', name: '奥扎格雷氨丁三醇注射用浓溶液' };
// 度他雄胺软胶囊: 限男性 (区分性别使用); prescribed once to a woman, its card has one line.
export const DUTASTERIDE = { code: 'XG04CBD247E002010101503', name: '度他雄胺软胶囊' };

/** A national item: a drug unless `listType` says otherwise (hilist_type 201 a medical service, with its chrg_type). */
export interface StayItem {
  code: string;
  name: string;
  listType?: '101' | '201';
  chargeType?: string;
}

// 重症监护 includes 一般专项护理 (batch 7 医疗服务项目重复收费, 单日): each care charged on an ICU day is the duplicate.
export const ICU_CARE: StayItem = { code: '001201000010000', name: '重症监护', listType: '201', chargeType: '07' };
export const ORAL_CARE: StayItem = {
  code: '001201000140100',
  name: '一般专项护理(口腔护理)',
  listType: '201',
  chargeType: '07',
};
export const PERINEAL_CARE: StayItem = {
  code: '001201000140200',
  name: '一般专项护理(会阴冲洗)',
  listType: '201',
  chargeType: '07',
};

export interface StayOrder {
  rxId: string;
  item: StayItem;
  /** Day of the stay, 0 = admission. */
  day: number;
}

export interface Stay {
  encounter: string;
  patientId: string;
  /** Admission day (month 1–12). */
  admission: { year: number; month: number; day: number };
}

export const pad = (n: number) => String(n).padStart(2, '0');

/** The stay's day n (0 = admission) at 08:00. */
export function dayOfStay(stay: Stay, n: number): string {
  const { year, month, day } = stay.admission;
  const d = new Date(Date.UTC(year, month - 1, day + n));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} 08:00:00`;
}

function order(stay: Stay, { rxId, item, day }: StayOrder) {
  return {
    rx_id: rxId,
    rxno: `${stay.encounter}-RX${day + 1}`,
    long_drord_flag: '1',
    hilist_type: item.listType ?? '101',
    chrg_type: item.chargeType ?? '09',
    hilist_code: item.code,
    hilist_name: item.name,
    cnt: 1,
    pric: 24.5,
    sumamt: 24.5,
    drord_begn_date: dayOfStay(stay, day),
    drord_dept_codg: 'B05.01',
    drord_dept_name: '神经内科病区',
    drord_dr_codg: 'D0201',
    drord_dr_name: '孙医生',
    curr_drord_flag: '1',
  };
}

/** The ward's 3101 of the whole stay so far (a 脑梗死 admission), discharge dated on the last order's day. */
export function wardRequest(stay: Stay, taskId: string, orders: readonly StayOrder[]): AnalysisInput {
  const admitted = dayOfStay(stay, 0);
  return {
    data: {
      syscode: 'HIS',
      task_id: taskId,
      trig_scen: '5',
      patient_dtos: [
        {
          patn_id: stay.patientId,
          patn_name: '患者',
          gend: '2',
          brdy: '1958-06-21',
          curr_mdtrt_id: stay.encounter,
          fsi_encounter_dtos: [
            {
              mdtrt_id: stay.encounter,
              med_mdtrt_type: '3',
              med_type: '21',
              insutype: '310',
              adm_date: admitted,
              dscg_date: dayOfStay(
                stay,
                orders.reduce((last, o) => Math.max(last, o.day), 0),
              ),
              dscg_main_dise_codg: 'I63.900',
              dscg_main_dise_name: '脑梗死',
              fsi_diagnose_dtos: [
                {
                  dise_id: `${stay.encounter}-D1`,
                  inout_dise_type: '1',
                  maindise_flag: '1',
                  dias_srt_no: '1',
                  dise_codg: 'I63.900',
                  dise_name: '脑梗死',
                  dise_date: admitted,
                },
              ],
              fsi_order_dtos: orders.map((o) => order(stay, o)),
            },
          ],
        },
      ],
    },
  } as unknown as AnalysisInput;
}
