import { maskDigestedNames, type NameDigest, parseNameDigests } from '../patient-name-digests';
import type { Db } from './database';

/**
 * The patient names a 3103's reminders were raised for, as the answers that raised them recorded them (keyed digests,
 * tasks.name_digests), to mask in the doctor's free-text reasons. A 3103 carries no name of its own.
 */
export class ReasonNames {
  private readonly digestsOf;

  constructor(
    db: Db,
    /** PatientPseudonymizer.nameKey: the digest the answers' names were recorded under. */
    private readonly nameKey: (name: string) => string,
  ) {
    // Every answer that raised a reminder of the same patient's encounter, not only this reminder's first: a name
    // corrected by the HIS in a later answer of the stay is looked for too. A gateway's jr_id names its reminder as in
    // DispositionStore.reminder.
    this.digestsOf = db
      .prepare<[string, string], string>(
        `SELECT DISTINCT t.name_digests FROM reminders r JOIN tasks t ON t.id = r.first_task
         JOIN reminders w ON w.mdtrt_id = r.mdtrt_id AND w.patient_key = r.patient_key
         WHERE w.jr_id = COALESCE((SELECT jr_id FROM upstream_links WHERE gateway_jr_id = ?), ?)
           AND t.name_digests IS NOT NULL`,
      )
      .pluck();
  }

  /**
   * A function masking, in a reason, the names recorded for any of these jr_ids' patients: one 3103 may answer for
   * several patients, and a reason typed for one may name another of the same call. Unknown jr_ids add nothing.
   */
  maskerFor(jrIds: readonly string[]): (reason: string) => string {
    const digests: NameDigest[] = [];
    const seen = new Set<string>();
    for (const jrId of new Set(jrIds)) {
      for (const json of this.digestsOf.all(jrId, jrId)) {
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
