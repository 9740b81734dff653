import type { Db } from '../store/database';

/**
 * The doctor a counted reminder (`reminders r`, its decision `dispositions d` LEFT JOINed) is counted under in the
 * figures by doctor, as SQL expressions of its code and name: the doctor who made the latest decision when that
 * 3103 named one (opter, dispositions.decider_code), else the doctor whose order raised it. The whole reminder goes
 * there, 提醒人次 and 提醒金额 with the decision: splitting them (reminders under the raising doctor, decisions under
 * the deciding one) gives a doctor who took over patients more 遵从 than reminders, a 遵从率 above 100 %
 * (sidecar/README.md). A database opened read-only before a sidecar of this version migrated it has no decider.
 */
export interface CountedDoctor {
  code: string;
  name: string;
}

export function countedDoctor(db: Db): CountedDoctor {
  const hasDecider =
    db.prepare("SELECT 1 FROM pragma_table_info('dispositions') WHERE name = 'decider_code'").get() !== undefined;
  if (!hasDecider) return { code: 'r.doctor_code', name: 'r.doctor_name' };
  return {
    code: 'COALESCE(d.decider_code, r.doctor_code)',
    name: 'IIF(d.decider_code IS NULL, r.doctor_name, d.decider_name)',
  };
}
