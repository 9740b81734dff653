import { analysisEnvelope } from '../fixtures/his-requests';

type Encounter = Record<string, unknown> & { fsi_order_dtos: Record<string, unknown>[] };

export interface WardDay {
  encounterId: string;
  /** Days since admission (0 = 2026-11-18): the stay holds one order of the drug per day so far. */
  day: number;
  drug: { code: string; name: string };
  /** The stay's diagnoses, the first its main one. */
  diagnoses: { code: string; name: string }[];
  /** Earlier days' orders sent as current too (a station re-sending the whole stay), not as context lines. */
  earlierCurrent?: boolean;
  /** The settlement's 3102 (trig_scen 9) with a 出院诊断 the ward never sent, instead of the ward station's 3101. */
  settlement?: { discharge: string };
}

/**
 * A ward stay's envelope on one day, a drug ordered daily since admission (trig_scen 5): what the daily-reminder
 * tests send again and again to see whether a card already answered for the stay is asked anew.
 */
export function wardDayEnvelope(w: WardDay): Record<string, unknown> {
  const { encounterId, day, drug, diagnoses, settlement } = w;
  const envelope = analysisEnvelope({
    encounterId,
    lines: 1,
    firing: 1,
    taskId: `T-${encounterId}-${day}${settlement ? '-S' : ''}`,
    ...(settlement ? { infno: '3102' as const } : {}),
  });
  const data = (envelope.input as { data: { trig_scen: string; patient_dtos: { fsi_encounter_dtos: Encounter[] }[] } })
    .data;
  data.trig_scen = settlement ? '9' : '5';
  const encounter = data.patient_dtos[0]!.fsi_encounter_dtos[0]!;
  const template = encounter.fsi_order_dtos[0]!;
  Object.assign(encounter, {
    med_mdtrt_type: '2',
    med_type: '21',
    adm_date: '2026-11-18 08:00:00',
    dscg_main_dise_codg: diagnoses[0]!.code,
    dscg_main_dise_name: diagnoses[0]!.name,
    fsi_diagnose_dtos: diagnoses.map((diagnosis, i) => ({
      dise_id: `${encounterId}-D${i + 1}`,
      inout_dise_type: '1',
      maindise_flag: i === 0 ? '1' : '0',
      dias_srt_no: String(i + 1),
      dise_codg: diagnosis.code,
      dise_name: diagnosis.name,
      dise_date: '2026-11-18 08:00:00',
    })),
  });
  if (settlement) {
    (encounter.fsi_diagnose_dtos as Record<string, unknown>[]).push({
      dise_id: `${encounterId}-OUT`,
      inout_dise_type: '2',
      maindise_flag: '0',
      dias_srt_no: String(diagnoses.length + 1),
      dise_codg: settlement.discharge,
      dise_name: '出院诊断',
      dise_date: `2026-11-${18 + day} 10:00:00`,
    });
  }
  encounter.fsi_order_dtos = Array.from({ length: day + 1 }, (_, d) => ({
    ...template,
    rx_id: `${encounterId}-D${d}`,
    rxno: `${encounterId}-RX${d}`,
    hilist_type: '101',
    chrg_type: '09',
    hilist_code: drug.code,
    hilist_name: drug.name,
    hosplist_name: drug.name,
    drord_begn_date: `2026-11-${18 + d} 09:00:00`,
    curr_drord_flag: d === day || w.earlierCurrent === true ? '1' : '0',
  }));
  return envelope;
}
