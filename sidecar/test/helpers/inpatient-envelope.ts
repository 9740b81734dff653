/** What an inpatient 3101/3102 for one stay says of its sender, its patient and the stay; the rest is the same in each. */
export interface InpatientStay {
  infno: '3101' | '3102';
  msgid: string;
  /** The hospital's region: where it treats (mdtrtarea_admvs, medins_admdvs) and the patient's pool area. */
  admdvs: string;
  insuplcAdmdvs: string;
  recerSysCode: string;
  fixmedinsCode: string;
  /** The doctor who sends it (opter) and treats the stay (dr_codg). */
  doctor: { code: string; name: string };
  infTime: string;
  taskId: string;
  trigScen: string;
  patient: { id: string; name: string; brdy: string };
  mdtrtId: string;
  medinsLv: string;
  admDate: string;
  dscgDate: string;
  /** The stay's main diagnosis, at discharge and as its one fsi_diagnose_dtos entry. */
  diagnosis: { id: string; code: string; name: string; date: string };
  /** Admitting and discharging department alike. */
  dept: { code: string; name: string };
  orders: readonly unknown[];
}

/**
 * An inpatient (med_type 21) 3101/3102 envelope of one patient with one stay at 某市第一人民医院, shaped as the HIS
 * clients send it (3101-3103.md §2): one diagnosis, no operations, nothing paid yet.
 */
export function inpatientEnvelope(s: InpatientStay) {
  return {
    infno: s.infno,
    msgid: s.msgid,
    mdtrtarea_admvs: s.admdvs,
    insuplc_admdvs: s.insuplcAdmdvs,
    recer_sys_code: s.recerSysCode,
    infver: 'V1.0',
    opter_type: '1',
    opter: s.doctor.code,
    opter_name: s.doctor.name,
    inf_time: s.infTime,
    fixmedins_code: s.fixmedinsCode,
    fixmedins_name: '某市第一人民医院',
    input: {
      data: {
        syscode: 'HIS',
        task_id: s.taskId,
        trig_scen: s.trigScen,
        rule_ids: [],
        patient_dtos: [
          {
            patn_id: s.patient.id,
            patn_name: s.patient.name,
            gend: '1',
            brdy: s.patient.brdy,
            poolarea: s.admdvs,
            curr_mdtrt_id: s.mdtrtId,
            fsi_his_data_dto: '',
            fsi_encounter_dtos: [
              {
                mdtrt_id: s.mdtrtId,
                medins_id: s.fixmedinsCode,
                medins_name: '某市第一人民医院',
                medins_admdvs: s.admdvs,
                medins_type: '1',
                medins_lv: s.medinsLv,
                adm_date: s.admDate,
                dscg_date: s.dscgDate,
                dscg_main_dise_codg: s.diagnosis.code,
                dscg_main_dise_name: s.diagnosis.name,
                fsi_diagnose_dtos: [
                  {
                    dise_id: s.diagnosis.id,
                    inout_dise_type: '1',
                    maindise_flag: '1',
                    dias_srt_no: '1',
                    dise_codg: s.diagnosis.code,
                    dise_name: s.diagnosis.name,
                    dise_date: s.diagnosis.date,
                  },
                ],
                dr_codg: s.doctor.code,
                adm_dept_codg: s.dept.code,
                adm_dept_name: s.dept.name,
                dscg_dept_codg: s.dept.code,
                dscg_dept_name: s.dept.name,
                med_mdtrt_type: '2',
                med_type: '21',
                fsi_order_dtos: s.orders,
                matn_stas: '0',
                medfee_sumamt: 0,
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
    },
  };
}
