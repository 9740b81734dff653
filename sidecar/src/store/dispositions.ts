import { randomUUID } from 'node:crypto';
import type { JudgeResultDto } from '@prealert/core';
import type { UpstreamFeedback } from '../upstream/provincial-gateway';
import { ContinuedLines } from './continued-lines';
import { type Db, durably } from './database';
import { DECISION_AFTER_TASK } from './decision-order';
import type {
  ContinuedListener,
  Decider,
  DispositionInput,
  RecordOutcome,
  ReminderFacts,
  StoredDisposition,
} from './disposition-types';
import {
  EARLIER_VISIT_WINDOW_MS,
  type EarlierVisitDecision,
  type EarlierVisitHint,
  EarlierVisitReasons,
} from './earlier-visit-reasons';
import { EARLIER_VISITS, type EarlierVisitRow, earlierVisitDecision } from './earlier-visit-rows';
import { FLAGGED_LINES, type FlaggedLineRow, linesByReminder } from './flagged-lines';
import { dispositionEntryId, type OutboxStore } from './outbox';
import { recordedCode, recordedStaffName } from './staff-fields';

export class DispositionStore {
  private readonly selectReminder;
  private readonly selectDisposition;
  private readonly selectContinued;
  private readonly touch;
  private readonly touchDecider;
  private readonly settleAmount;
  private readonly upsert;
  private readonly linkedTo;
  private readonly latestLink;
  private readonly linkOf;
  private readonly markReported;
  private readonly uncover;
  private readonly delivered;
  /**
   * jr_ids the doctor chose to continue. Every 3101 checks each of its results against this, so it is answered
   * from memory; the database is asked only on a hit.
   */
  private continued: Set<string>;
  private readonly continuedListeners = new Set<ContinuedListener>();
  /** The lines of the continued reminders, for a later result that flags only such lines (coveredBy). */
  private lines: ContinuedLines;
  private readonly selectFlaggedLines;
  /** The patient's 继续执行 reasons of earlier visits (EarlierVisitReasons), whatever the library version. */
  private readonly earlierVisits: EarlierVisitReasons;
  private readonly selectEarlierVisit;

  constructor(
    private readonly db: Db,
    private readonly outbox: OutboxStore,
    private readonly installId: string,
    /** The keyed pseudonym of a patn_id, as reminders.patient_key holds it (PatientPseudonymizer.key). */
    private readonly patientKeyOf: (patientId: string) => string,
    /** The keyed pseudonym of a doctor code, as reminders.doctor_code holds one (PatientPseudonymizer.codeKey). */
    private readonly staffCodeKey: (code: string) => string,
  ) {
    this.selectReminder = db.prepare(
      `SELECT jr_id AS jrId, infno, rule_id AS ruleId, rule_name AS ruleName, kp_id AS kpId, severity, impact, amount, day,
              dept_code AS deptCode, doctor_code AS doctorCode, doctor_name AS doctorName, source
       FROM reminders WHERE jr_id = COALESCE((SELECT jr_id FROM upstream_links WHERE gateway_jr_id = ?), ?)`,
    );
    this.selectDisposition = db.prepare(
      `SELECT dspo_way AS way, dspo_way_rea AS reason, warn_type AS warnType, at, revision FROM dispositions
       WHERE jr_id = COALESCE((SELECT jr_id FROM upstream_links WHERE gateway_jr_id = ?), ?)`,
    );
    // A gateway's jr_id and the reminder it is counted under (upstream_links).
    this.linkedTo = db.prepare<[string], string>('SELECT jr_id FROM upstream_links WHERE gateway_jr_id = ?').pluck();
    this.latestLink = db.prepare<[string], UpstreamLink>(
      `SELECT gateway_jr_id AS gatewayJrId, reported_revision AS reportedRevision FROM upstream_links
       WHERE jr_id = ? ORDER BY seen_at DESC, rowid DESC LIMIT 1`,
    );
    this.linkOf = db.prepare<[string], UpstreamLink>(
      `SELECT gateway_jr_id AS gatewayJrId, reported_revision AS reportedRevision FROM upstream_links
       WHERE gateway_jr_id = ?`,
    );
    this.markReported = db.prepare('UPDATE upstream_links SET reported_revision = ? WHERE gateway_jr_id = ?');
    this.selectContinued = db.prepare(
      `SELECT dspo_way AS way, dspo_way_rea AS reason, warn_type AS warnType, at, revision FROM dispositions
       WHERE jr_id = ? AND dspo_way = '1'`,
    );
    // A decision on a jr_id whose reminder was pruned with a decision goes on from that decision's revision.
    this.upsert = db.prepare(
      `INSERT INTO dispositions (jr_id, dspo_way, dspo_way_rea, warn_type, at, revision, after_task, decider_code,
         decider_name)
       VALUES (?, ?, ?, ?, ?, COALESCE((SELECT revision FROM disposition_revisions WHERE jr_id = ?), 0) + 1,
         ${DECISION_AFTER_TASK}, ?, ?)
       ON CONFLICT (jr_id) DO UPDATE SET dspo_way = excluded.dspo_way, dspo_way_rea = excluded.dspo_way_rea,
         warn_type = excluded.warn_type, at = excluded.at, revision = dispositions.revision + 1,
         after_task = excluded.after_task, decider_code = excluded.decider_code, decider_name = excluded.decider_name
       RETURNING revision`,
    );
    // A covered reminder (covered_by) the desk answers 返回修改 is a decision of its own against its lines' continues:
    // from then on it is a reminder of its own in the figures, complied, whatever the desk answers later.
    this.uncover = db.prepare('UPDATE reminders SET covered_by = NULL WHERE jr_id = ? AND covered_by IS NOT NULL');
    // A reminder only undelivered answers carried that a 3103 names was seen after all (the HIS had it some other
    // way): it is counted from then on, decided.
    this.delivered = db.prepare('UPDATE reminders SET undelivered = NULL WHERE jr_id = ? AND undelivered IS NOT NULL');
    // Never backwards: a spooled decision replayed late is older than the same answer given since.
    // Its order among the answers moves on whatever the clock says (decision-order.ts).
    this.touch = db.prepare(
      `UPDATE dispositions SET at = MAX(at, ?), after_task = ${DECISION_AFTER_TASK} WHERE jr_id = ?`,
    );
    // The same answer given again by a named doctor (one who took the patient over confirms it) is his from then
    // on; one replayed from the spool, dated before the stored one, is not the latest giving and names nobody new.
    this.touchDecider = db.prepare<{ jrId: string; at: number; code: string; name: string }>(
      `UPDATE dispositions SET decider_code = @code, decider_name = @name WHERE jr_id = @jrId AND at <= @at`,
    );
    // A decision is on the latest answer the doctor saw (the quantity may have changed since the first), so the
    // figures count that answer's amount. A 返回修改 replayed from the spool, dated before the latest answer, did
    // not see it: its amount stays. A 继续执行 carries over to later answers anyway (record-rows.ts). The record
    // writer now moves amount with answered_amount (a later answer re-asks a 返回修改 rather than keep its amount),
    // so this settles only rows an earlier version left apart.
    this.settleAmount = db.prepare<{ jrId: string; way: string; at: number }>(
      `UPDATE reminders SET amount = answered_amount
       WHERE jr_id = @jrId AND answered_amount IS NOT NULL AND amount <> answered_amount
         AND (@way = '1' OR answered_at <= @at)`,
    );
    // The rx_ids a reminder flagged, from the body of the answer it was first shown in (retention keeps that one).
    // A day-scoped jr_id hashes its lines, so every later body of it flags the same ones; a stay question's jr_id is
    // the same for every line of its point in the encounter, so it is decided by its own jr_id, never by lines.
    this.selectFlaggedLines = db.prepare<[string], FlaggedLineRow>(`${FLAGGED_LINES} AND r.jr_id = ?`);
    ({ continued: this.continued, lines: this.lines } = this.decisionsUnder(undefined));
    // Not by library version, unlike the decisions above: a point keeps its kp_id across versions, and a reason given
    // last month under last month's library is as good a suggestion this month.
    this.selectEarlierVisit = db.prepare<[string], EarlierVisitRow>(`${EARLIER_VISITS} AND d.jr_id = ?`);
    this.earlierVisits = new EarlierVisitReasons(
      db
        .prepare<[number], EarlierVisitRow>(`${EARLIER_VISITS} AND d.at >= ?`)
        .all(Date.now() - EARLIER_VISIT_WINDOW_MS)
        .map(earlierVisitDecision),
    );
  }

  /**
   * Keeps in memory only the decisions that can still decide an answer: those on reminders raised under these
   * library versions, and those on a provincial gateway's results (its jr_ids do not hold prealert's version). A
   * decision given under another version covers nothing (the jr_id includes the version), so after a library update
   * the old version's would otherwise stay until retention prunes their rows. Read again from the database, so a
   * rollback to an older version brings its decisions back.
   */
  holdVersions(versions: readonly string[]): void {
    ({ continued: this.continued, lines: this.lines } = this.decisionsUnder(versions));
  }

  /** How many continued decisions are held in memory (holdVersions). */
  heldContinued(): number {
    return this.continued.size;
  }

  /** The continued decisions and decided lines under these versions (all with undefined), from the database. */
  private decisionsUnder(versions: readonly string[] | undefined): { continued: Set<string>; lines: ContinuedLines } {
    const under = versions === undefined ? '' : ` AND ${UNDER_VERSIONS}`;
    const args = versions === undefined ? [] : [JSON.stringify(versions)];
    const decided = (way: '1' | '2') => this.decidedUnder(way, versions, 'd.jr_id').map((row) => row[0] as string);
    const continuedLines = this.db
      .prepare<unknown[], FlaggedLineRow>(
        `${FLAGGED_LINES} AND r.jr_id IN (SELECT jr_id FROM dispositions WHERE dspo_way = '1')${under}`,
      )
      .all(...args);
    return {
      continued: new Set(decided('1')),
      lines: new ContinuedLines(linesByReminder(continuedLines), decided('2')),
    };
  }

  /** The reminder this jr_id names: its own, or for a provincial gateway's jr_id the one it is counted under. */
  reminder(jrId: string): ReminderFacts | undefined {
    return this.selectReminder.get(jrId, jrId) as ReminderFacts | undefined;
  }

  get(jrId: string): StoredDisposition | undefined {
    return this.selectDisposition.get(jrId, jrId) as StoredDisposition | undefined;
  }

  /** The doctor's earlier "continue" for this reminder, if any (3101 hot path: one indexed lookup). */
  priorContinued(jrId: string): StoredDisposition | undefined {
    if (!this.continued.has(jrId)) return undefined;
    return this.selectContinued.get(jrId) as StoredDisposition | undefined;
  }

  /**
   * Whether the reminder's latest decision is 返回修改 (held as holdVersions keeps decisions): a later answer that
   * raises it again asks the desk again, which the recorder has to hand to the writer (record-rows.ts).
   */
  returnedToModify(jrId: string): boolean {
    return this.lines.isReturned(jrId);
  }

  /**
   * A jr_id continued earlier in the same encounter, under the same library version, rule and point, that flagged
   * lines of this result, when all the lines it flags were so continued (ContinuedLines.coveredBy), with that
   * decision's reason.
   */
  coveredBy(result: JudgeResultDto, libraryVersion: string): { jrId: string; reason: string } | undefined {
    return this.lines.coveringDecision(
      result,
      libraryVersion,
      (jrId) => this.priorContinued(jrId)?.reason,
      this.patientKeyOf,
    );
  }

  /**
   * The latest 继续执行 reason of the result's patient on its rule and point in another encounter, within the last
   * 180 days before `now` (EarlierVisitReasons.hint).
   */
  earlierVisit(result: JudgeResultDto, now: number): EarlierVisitHint | undefined {
    return this.earlierVisits.hint(result, now, this.patientKeyOf);
  }

  /** The earlier visits' reasons held: the start of another thread's copy (see onContinuedChange). */
  earlierVisitDecisions(): EarlierVisitDecision[] {
    return this.earlierVisits.snapshot();
  }

  /**
   * The stored "continue"s, jr_id → reason, under these library versions as holdVersions keeps them (all with
   * undefined): the start of another thread's copy (see onContinuedChange).
   */
  continuedReasons(versions?: readonly string[]): Map<string, string> {
    return new Map(this.decidedUnder('1', versions, 'd.jr_id, d.dspo_way_rea') as [string, string][]);
  }

  /** The decisions of one way under these library versions (all with undefined), as rows of `columns`. */
  private decidedUnder(way: '1' | '2', versions: readonly string[] | undefined, columns: string): unknown[][] {
    const under = versions === undefined ? '' : ` AND ${UNDER_VERSIONS}`;
    return this.db
      .prepare(
        `SELECT ${columns} FROM dispositions d LEFT JOIN reminders r ON r.jr_id = d.jr_id
           LEFT JOIN tasks t ON t.id = r.first_task
         WHERE d.dspo_way = '${way}'${under}`,
      )
      .raw()
      .all(...(versions === undefined ? [] : [JSON.stringify(versions)])) as unknown[][];
  }

  /** The flagged lines and 返回修改 jr_ids under these library versions (all with undefined), from the database. */
  continuedLinesUnder(versions?: readonly string[]): ReturnType<ContinuedLines['snapshot']> {
    return this.decisionsUnder(versions).lines.snapshot();
  }

  /**
   * The reminders retention.ts pruned, with their decisions: a "continue" among them no longer marks a later answer
   * as decided (prior_dspo), here nor on the analysis thread, as the records that held it are gone.
   */
  forget(jrIds: readonly string[]): void {
    for (const jrId of jrIds) {
      const decided = this.lines.forget(jrId);
      // Held whatever the library version, unlike the two above: a decision of a version no longer held is still
      // offered to later visits, and the analysis thread's copy must hear it is gone too.
      const offered = this.earlierVisits.drop(jrId);
      if (!this.continued.delete(jrId) && !decided && !offered) continue;
      for (const listener of this.continuedListeners) listener(jrId, undefined);
    }
  }

  /**
   * Called, once the decision is durable, with each reminder's reason to continue and the lines it flagged, or
   * undefined when it no longer is (`returned` when that is because it was answered 返回修改, not pruned).
   */
  onContinuedChange(listener: ContinuedListener): () => void {
    this.continuedListeners.add(listener);
    return () => this.continuedListeners.delete(listener);
  }

  /**
   * Stores the decisions and their outbox entries in one fsynced transaction: when this returns, a crash
   * loses none of them. Inputs must have been checked against `reminder()` by the caller. With `upstreamHeader`
   * (a provincial gateway is configured), decisions on the gateway's own results are also queued for it as a
   * 3103 carrying that envelope header (see upstreamWarns). A decision given under a gateway's jr_id is stored under
   * the reminder that id is counted under.
   */
  record(
    answered: readonly DispositionInput[],
    at: Date,
    upstreamHeader?: Record<string, unknown>,
    decidedBy?: Decider,
    maskPatientNames: (text: string) => string = (text) => text,
  ): RecordOutcome {
    const decider = decidedBy === undefined ? undefined : this.storedDecider(decidedBy, maskPatientNames);
    const inputs = answered.map((input) => {
      const jrId = this.linkedTo.get(input.jrId);
      return jrId === undefined ? input : { ...input, jrId };
    });
    const changedIds = new Set<string>();
    const now = at.getTime();
    const outcome = durably(this.db, () => {
      let changed = 0;
      let unchanged = 0;
      for (const input of inputs) {
        this.settleAmount.run({ jrId: input.jrId, way: input.way, at: now });
        if (input.way === '2') this.uncover.run(input.jrId);
        this.delivered.run(input.jrId);
        const current = this.get(input.jrId);
        if (
          current &&
          current.way === input.way &&
          current.reason === input.reason &&
          current.warnType === input.warnType
        ) {
          // The same answer given again (a 返回修改 on the next analysis that still finds the warning) is not a new
          // decision for the outbox, but it is dated by its latest giving: the reminder page counts a 返回修改 only
          // when it is newer than the task it shows, and would otherwise ask again for what was just answered.
          if (decider) this.touchDecider.run({ jrId: input.jrId, at: now, ...decider });
          this.touch.run(now, input.jrId);
          unchanged++;
          continue;
        }
        const revision = (
          this.upsert.get(
            input.jrId,
            input.way,
            input.reason,
            input.warnType,
            now,
            input.jrId,
            decider?.code ?? null,
            decider?.name ?? null,
          ) as {
            revision: number;
          }
        ).revision;
        const reminder = this.reminder(input.jrId);
        changedIds.add(input.jrId);
        this.outbox.add(
          dispositionEntryId(this.installId, input.jrId, revision),
          'disposition',
          {
            install_id: this.installId,
            warn_rslt_id: input.jrId,
            warn_type: input.warnType,
            dspo_way: input.way,
            dspo_way_rea: input.reason,
            revision,
            at: new Date(now).toISOString(),
            infno: reminder?.infno,
            rule_id: reminder?.ruleId,
            rule_name: reminder?.ruleName,
            kp_id: reminder?.kpId,
            sev_deg: reminder ? String(reminder.severity) : undefined,
            vola_amt: reminder?.amount,
            reminder_day: reminder?.day,
            dept_code: reminder?.deptCode,
            // The doctor whose order raised the reminder; the one who decided is the 3103's 经办人 below. They differ
            // when a colleague took the patient over, and the platform's figures by doctor follow the decider.
            doctor_code: reminder?.doctorCode,
            // Named as the decider is: opter_name alone would name one of the two doctors an entry is about.
            doctor_name: reminder?.doctorName,
            // Under the 3103's own names, as stored (an ID number as its keyed pseudonym); absent when the 3103 named
            // nobody, and the decision then stays the raising doctor's, as in the figures.
            opter: decider?.code,
            opter_name: decider?.name,
          },
          now,
        );
        changed++;
      }
      const forUpstream = upstreamHeader ? this.upstreamWarns(answered, inputs, changedIds) : [];
      if (upstreamHeader && forUpstream.length > 0) {
        const feedback: UpstreamFeedback = {
          header: upstreamHeader,
          data: { warn_type: inputs[0]!.warnType, warns: forUpstream },
        };
        this.outbox.add(randomUUID(), 'upstream_feedback', feedback, now);
      }
      return { changed, unchanged, queuedUpstream: forUpstream.length > 0 };
    });
    for (const input of inputs) {
      if (input.way === '1') {
        this.continued.add(input.jrId);
        const keys = linesByReminder(this.selectFlaggedLines.all(input.jrId))[0]?.[1] ?? [];
        this.lines.continue(input.jrId, keys);
        const row = this.selectEarlierVisit.get(input.jrId);
        const visit = row === undefined ? undefined : earlierVisitDecision(row);
        if (visit) this.earlierVisits.continue(visit);
        else this.earlierVisits.drop(input.jrId);
        for (const listener of this.continuedListeners) listener(input.jrId, input.reason, keys, false, visit);
      } else {
        this.continued.delete(input.jrId);
        this.lines.returnToModify(input.jrId);
        this.earlierVisits.drop(input.jrId);
        for (const listener of this.continuedListeners) listener(input.jrId, undefined, undefined, true);
      }
    }
    return outcome;
  }

  /**
   * The decider as stored: codes and names as a reminder's doctor's are (staff-fields.ts). A 3103 carries no patient
   * name, so the names are those recorded for the answered reminders' visits (`maskPatientNames`, reason-names.ts):
   * a slipped HIS column puts the patient in opter_name as it does in drord_dr_name, and the figures show the name.
   */
  private storedDecider(decider: Decider, maskPatientNames: (text: string) => string): Decider {
    const code =
      maskPatientNames(decider.code) === decider.code
        ? recordedCode(decider.code, [], this.staffCodeKey)
        : this.staffCodeKey(decider.code);
    return { code, name: recordedStaffName(maskPatientNames(decider.name), []) };
  }

  /**
   * The decisions the gateway is to hear, each under the gateway's own jr_id: the one the doctor answered when it
   * was the gateway's, else the latest one linked to the reminder (a warning both the gateway and prealert raised is
   * answered under prealert's jr_id). A linked gateway id is sent once per revision of the decision, so the same
   * answer given again after a re-analysis still reaches the gateway's result of that analysis. A result of the
   * gateway recorded under its own jr_id, without a link, is sent when the decision changes.
   */
  private upstreamWarns(
    answered: readonly DispositionInput[],
    inputs: readonly DispositionInput[],
    changedIds: ReadonlySet<string>,
  ): UpstreamFeedback['data']['warns'] {
    const warns: UpstreamFeedback['data']['warns'] = [];
    const sent = new Set<string>();
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i]!;
      const asked = answered[i]!.jrId;
      const link = asked !== input.jrId ? this.linkOf.get(asked) : this.latestLink.get(input.jrId);
      let target: string | undefined;
      if (link) {
        const revision = this.get(input.jrId)?.revision;
        if (revision === undefined || link.reportedRevision === revision) continue;
        this.markReported.run(revision, link.gatewayJrId);
        target = link.gatewayJrId;
      } else if (changedIds.has(input.jrId) && this.reminder(input.jrId)?.source === 'upstream') {
        target = input.jrId;
      }
      if (target === undefined || sent.has(target)) continue;
      sent.add(target);
      warns.push({ warn_rslt_id: target, dspo_way: input.way, dspo_way_rea: input.reason });
    }
    return warns;
  }
}

/**
 * A decision's reminder raised under one of the versions (a JSON array, the query's parameter), or a gateway's
 * result, whose jr_id does not depend on prealert's library; a decision without its reminder row is kept too.
 */
const UNDER_VERSIONS = `(r.jr_id IS NULL OR r.source = 'upstream'
  OR t.library_version IN (SELECT value FROM json_each(?)))`;

interface UpstreamLink {
  gatewayJrId: string;
  reportedRevision: number | null;
}
