/**
 * Builds the national 3101 `input` from the demo station's state, the way a HIS does: every current line
 * (curr_drord_flag 1) with its unique rx_id, the encounter, the diagnosis and the patient. Every date is written on
 * China's clock (Asia/Shanghai), as the sidecar reads them, whatever zone the browser is in.
 */
import { addDays, chinaDateTime, chinaDay } from './china-time.js';
import { DOCTOR, HOSPITAL } from './demo-data.js';

/** "yyyy-MM-dd HH:mm:ss" of `date` on China's clock. */
export const formatDateTime = chinaDateTime;

/** "yyyy-MM-dd": China's calendar day of `date`. */
export const formatDate = chinaDay;

/** The visit kinds the demo switches between: national med_mdtrt_type / med_type, and the doctor-station scene. */
export const VISITS = {
  outpatient: { label: '门诊', medMdtrtType: '1', medType: '11', trigScen: '2', prefix: 'MZ' },
  inpatient: { label: '住院', medMdtrtType: '2', medType: '21', trigScen: '5', prefix: 'ZY' },
};

/**
 * The encounter (mdtrt_id) of a visit, dated by China's calendar day of `opened`, the moment the visit began. Give
 * the same moment for the whole visit: every jr_id hashes the mdtrt_id, so an id that followed the clock would
 * change at midnight and every answer the doctor gave before it would stop applying.
 * @param {import('./demo-data.js').DemoPatient} patient
 * @param {'outpatient' | 'inpatient'} visit
 * @param {Date} opened
 */
export function encounterId(patient, visit, opened) {
  // A regex, not replaceAll: that arrived in Chrome 85, and HIS shells still embed Chromium 80–84.
  return `${VISITS[visit].prefix}${formatDate(opened).replace(/-/g, '')}-${patient.id}`;
}

/**
 * The department of this visit: the clinic for 门诊, the ward for 住院 (a patient admitted from the clinic is
 * ordered for, and counted by the 医保办's 按科室 figures, under the ward).
 * @param {import('./demo-data.js').DemoPatient} patient
 * @param {'outpatient' | 'inpatient'} visit
 * @returns {{ code: string, name: string }}
 */
export function visitDepartment(patient, visit) {
  return visit === 'inpatient' ? patient.ward : { code: patient.deptCode, name: patient.deptName };
}

/**
 * @param {{
 *   patient: import('./demo-data.js').DemoPatient,
 *   visit: 'outpatient' | 'inpatient',
 *   orders: { rxId: string, item: import('./demo-data.js').CatalogueItem, cnt: number }[],
 *   taskId: string,
 *   now: Date,
 *   visitOpened?: Date,
 * }} state `visitOpened`: when the visit began (default `now`), which dates the encounter.
 */
export function buildAnalysisInput({ patient, visit, orders, taskId, now, visitOpened = now }) {
  const kind = VISITS[visit];
  const dept = visitDepartment(patient, visit);
  const mdtrtId = encounterId(patient, visit, visitOpened);
  // Admitted at 08:30 China time: three days before an inpatient visit, on the day of an outpatient one (or when
  // the visit began, if that was earlier: a night clinic).
  const opened = chinaDateTime(visitOpened);
  const admittedAt = `${addDays(opened.slice(0, 10), visit === 'inpatient' ? -3 : 0)} 08:30:00`;
  const admDate = admittedAt < opened ? admittedAt : opened;
  const orderTime = chinaDateTime(now);
  const lines = orders.map((order) => {
    const sumamt = Math.round(order.item.price * order.cnt * 100) / 100;
    return {
      rx_id: order.rxId,
      rxno: `${order.item.kind === 'drug' ? 'CF' : 'JY'}${mdtrtId}`,
      grpno: '',
      long_drord_flag: '0',
      hilist_type: order.item.hilistType,
      chrg_type: order.item.chrgType,
      drord_bhvr: '0',
      hilist_code: order.item.code,
      hilist_name: order.item.name,
      hilist_dosform: '',
      hilist_lv: '1',
      hilist_pric: order.item.price,
      hosplist_code: `HIS-${order.item.code.slice(-8)}`,
      hosplist_name: order.item.name,
      cnt: order.cnt,
      pric: order.item.price,
      sumamt,
      ownpay_amt: 0,
      selfpay_amt: 0,
      spec: order.item.spec,
      spec_unt: order.item.unit,
      drord_begn_date: orderTime,
      drord_stop_date: '',
      drord_dept_codg: dept.code,
      drord_dept_name: dept.name,
      drord_dr_codg: DOCTOR.code,
      drord_dr_name: DOCTOR.name,
      drord_dr_profttl: DOCTOR.title,
      curr_drord_flag: '1',
    };
  });
  const total = lines.reduce((sum, line) => sum + line.sumamt, 0);
  return {
    data: {
      syscode: 'WEBHIS',
      task_id: taskId,
      trig_scen: kind.trigScen,
      rule_ids: [],
      patient_dtos: [
        {
          patn_id: patient.id,
          patn_name: patient.name,
          gend: patient.gend,
          brdy: patient.brdy,
          poolarea: HOSPITAL.admdvs,
          curr_mdtrt_id: mdtrtId,
          fsi_his_data_dto: '',
          fsi_encounter_dtos: [
            {
              mdtrt_id: mdtrtId,
              medins_id: HOSPITAL.fixmedins_code,
              medins_name: HOSPITAL.fixmedins_name,
              medins_admdvs: HOSPITAL.admdvs,
              medins_type: '1',
              medins_lv: HOSPITAL.level,
              wardarea_codg: visit === 'inpatient' ? dept.code : '',
              wardno: '',
              bedno: visit === 'inpatient' ? '12' : '',
              adm_date: admDate,
              dscg_date: admDate,
              dscg_main_dise_codg: patient.diagnosis.code,
              dscg_main_dise_name: patient.diagnosis.name,
              fsi_diagnose_dtos: [
                {
                  dise_id: `${mdtrtId}-D1`,
                  inout_dise_type: '1',
                  maindise_flag: '1',
                  dias_srt_no: '1',
                  dise_codg: patient.diagnosis.code,
                  dise_name: patient.diagnosis.name,
                  dise_date: admDate,
                },
              ],
              dr_codg: DOCTOR.code,
              adm_dept_codg: dept.code,
              adm_dept_name: dept.name,
              dscg_dept_codg: dept.code,
              dscg_dept_name: dept.name,
              med_mdtrt_type: kind.medMdtrtType,
              med_type: kind.medType,
              fsi_order_dtos: lines,
              matn_stas: '0',
              medfee_sumamt: Math.round(total * 100) / 100,
              ownpay_amt: 0,
              selfpay_amt: 0,
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
  };
}
