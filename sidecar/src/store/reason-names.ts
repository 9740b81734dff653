import { maskDigestedNames, type NameDigest, parseNameDigests } from '../patient-name-digests';
import type { Db } from './database';

interface Encounter {
  mdtrtId: string;
  patientKey: string;
}

/**
 * The patient names a 3103's reminders were raised for, as the answers that first raised the reminders of their
 * encounters recorded them (keyed digests, tasks.name_digests), to mask in the doctor's free-text reasons. A 3103
 * carries no name of its own.
 */
export class ReasonNames {
  private readonly encounterOf;
  private readonly digestsOf;

  constructor(
    db: Db,
    /** PatientPseudonymizer.nameKey: the digest the answers' names were recorded under. */
    private readonly nameKey: (name: string) => string,
  ) {
    // A gateway's jr_id names its reminder as in DispositionStore.reminder.
    this.encounterOf = db.prepare<[string, string], Encounter>(
      `SELECT mdtrt_id AS mdtrtId, patient_key AS patientKey FROM reminders
       WHERE jr_id = COALESCE((SELECT jr_id FROM upstream_links WHERE gateway_jr_id = ?), ?)`,
    );
    // The answers that first raised any reminder of the encounter, not only this reminder's: a name the HIS sent
    // corrected in a later answer of the stay that raised a new reminder is looked for too. An answer that raised
    // nothing new is not looked at (reminders name only their first task).
    this.digestsOf = db
      .prepare<[string, string], string>(
        `SELECT DISTINCT t.name_digests FROM reminders r JOIN tasks t ON t.id = r.first_task
         WHERE r.mdtrt_id = ? AND r.patient_key = ? AND t.name_digests IS NOT NULL`,
      )
      .pluck();
  }

  /**
   * A function masking, in a reason, the names recorded for any of these jr_ids' patients: one 3103 may answer for
   * several patients, and a reason typed for one may name another of the same call. Unknown jr_ids add nothing.
   * Each encounter is searched once, however many of its reminders the 3103 answers.
   */
  maskerFor(jrIds: readonly string[]): (reason: string) => string {
    const encounters = new Map<string, Encounter>();
    for (const jrId of new Set(jrIds)) {
      const encounter = this.encounterOf.get(jrId, jrId);
      if (encounter) encounters.set(`${encounter.mdtrtId}\0${encounter.patientKey}`, encounter);
    }
    const digests: NameDigest[] = [];
    const seen = new Set<string>();
    for (const { mdtrtId, patientKey } of encounters.values()) {
      for (const json of this.digestsOf.all(mdtrtId, patientKey)) {
        for (const digest of parseNameDigests(json)) {
          const key = `${digest[0]}:${digest[1]}`;
          if (seen.has(key)) continue;
          seen.add(key);
          digests.push(digest);
        }
      }
    }
    if (digests.length === 0) return (reason) => reason;
    return (reason) => maskDigestedNames(reason, digests, this.nameKey);
  }
}
