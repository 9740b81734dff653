import type { SidecarServer } from '../src/server';
import type { Db } from '../src/store/database';
import { feedbackEnvelope } from './fixtures/his-requests';
import { callService } from './helpers/test-server';

export const DAY_MS = 86_400_000;

/**
 * Moves every record stored so far `days` into the past, as if the workstation had answered and recorded them
 * then: the rows are the sidecar's own, written by it into its real database file; only their dates change.
 */
export function ageRecords(db: Db, days: number): void {
  const ms = days * DAY_MS;
  db.transaction(() => {
    db.prepare('UPDATE tasks SET created_at = created_at - ?').run(ms);
    db.prepare(
      "UPDATE reminders SET first_at = first_at - @ms, day = date((first_at - @ms + 28800000) / 1000, 'unixepoch')",
    ).run({ ms });
    db.prepare('UPDATE dispositions SET at = at - ?').run(ms);
    db.prepare('UPDATE upstream_links SET seen_at = seen_at - ?').run(ms);
    db.prepare(
      'UPDATE outbox SET created_at = created_at - @ms, next_attempt_at = next_attempt_at - @ms, delivered_at = delivered_at - @ms',
    ).run({ ms });
  })();
}

export function count(db: Db, sql: string, ...params: unknown[]): number {
  return db
    .prepare(sql)
    .pluck()
    .get(...params) as number;
}

/** A 3103 answered by `s`: its infcode. */
export async function feedback(s: SidecarServer, warns: Parameters<typeof feedbackEnvelope>[0]): Promise<number> {
  return (await callService(s, feedbackEnvelope(warns))).body.infcode;
}
