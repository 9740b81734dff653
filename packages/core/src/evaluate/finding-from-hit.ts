import type { Hit } from '../checks/hit';
import { isTextOnlyIndication } from '../checks/indication';
import type { Severity, WorkflowImpact } from '../envelope/national-types';
import type { CompiledLibrary, PointEntry } from '../library/compile';
import type { Rule } from '../library/model';
import type { EvaluatorConfig } from './config';
import { effectiveRule } from './effective-rules';
import type { Finding, FindingLine } from './finding';
import { judgeResultId, judgeResultIdAfter, judgeResultIdOfStay, judgeResultPrefix } from './jr-id';
import { fitMessage } from './national-text-length';
import { asksOncePerStay } from './stay-question';

/**
 * A check's hit made a finding: the severity and impact in force, the flagged and involved lines with their amounts,
 * the sentence, and the jr_id. Checks only say what fired; what it weighs and how it is named is decided here, once.
 */

/** rules.md: `reason` for sev_deg 1 and 2, `confirm` for 3. */
function defaultImpact(severity: Severity): WorkflowImpact {
  return severity === 3 ? 'confirm' : 'reason';
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function toFinding(
  library: CompiledLibrary,
  rule: Rule,
  entry: PointEntry | undefined,
  hit: Hit,
  config: EvaluatorConfig,
): Finding {
  const kp = entry?.kp;
  const override = effectiveRule(rule, config).override;
  const textOnly = kp !== undefined && isTextOnlyIndication(kp.limit);
  // A text-only indication, or a hit that cannot tell whether the limit is met (Hit.asks), only asks.
  const asks = textOnly || hit.asks === true;
  // The workstation's choice first; else a question is a 轻度可疑 reminder, else the point's severity, else the
  // rule's.
  const severity: Severity = override?.severity ?? (asks ? 3 : (kp?.severity ?? rule.severity));
  // The impact: the workstation's, else one the library chose for the rule (not its severity's default), else the
  // default of the severity in force (rules.md: reason for 1 and 2, confirm for 3) — so a severity changed by the
  // workstation or the point brings its impact along. A question only asks for confirmation.
  const ruleChoseImpact = !asks && rule.impact !== defaultImpact(rule.severity);
  const impact: WorkflowImpact = override?.impact ?? (ruleChoseImpact ? rule.impact : defaultImpact(severity));
  const flagged = hit.flagged;
  const involved = hit.involved;
  let amount = 0;
  const rxIds: string[] = new Array(flagged.length);
  const lines: FindingLine[] = new Array(flagged.length + involved.length);
  for (let i = 0; i < flagged.length; i++) {
    const f = flagged[i]!;
    if (!asks) amount += f.amount;
    rxIds[i] = f.line.rxId;
    lines[i] = { rxId: f.line.rxId, itemType: 1, amount: asks ? 0 : round2(f.amount) };
  }
  for (let i = 0; i < involved.length; i++) {
    lines[flagged.length + i] = { rxId: involved[i]!.rxId, itemType: 2, amount: 0 };
  }
  const first = flagged[0]?.line;
  const encounter = hit.encounter;

  const sentence = rule.message
    ? rule.message
        .replaceAll('{item}', kp?.itemName ?? first?.name ?? '')
        .replaceAll('{limit}', kp?.limitText ?? '')
        .replaceAll('{fact}', hit.fact)
    : hit.message;
  // Second-line sentences quote the basis, the others the limit text.
  const message = fitMessage(sentence, [kp?.limitText, kp?.basis]);
  const finding: Finding = {
    jrId: jrIdOf(library, rule, entry, hit, rxIds),
    ruleId: rule.id,
    ruleName: rule.name,
    ruleClass: rule.ruleClass,
    kpId: kp?.id ?? '',
    severity,
    impact,
    amount: round2(amount),
    amountComputed: hit.amountComputed,
    patientId: encounter.patient.id,
    encounterId: encounter.id,
    deptCode: first?.deptCode ?? encounter.deptCode,
    deptName: first?.deptName ?? encounter.deptName,
    doctorCode: first?.doctorCode ?? encounter.doctorCode,
    doctorName: first?.doctorName ?? '',
    lines,
    message,
    evidence: kp?.basis || kp?.limitText || rule.name,
  };
  if (textOnly) finding.textOnlyIndication = true;
  const kind = kp?.limit.kind;
  if (kind === 'max_qty_per_period' || kind === 'max_qty_per_n_days') finding.frequency = true;
  return finding;
}

/**
 * The point's part of the hash is computed once per point and library; a rule-level finding hashes it all. A finding
 * that asks about the patient rather than the day (asksOncePerStay: sex, age, visit type, hospital level, an
 * indication) is not changed by a new order or charge line of the same item, of any of its packs, in the same
 * encounter: its id is made of the point and the encounter only, so a 继续执行 given once stands for the stay (the sidecar marks the later answers prior_dspo) and counts once,
 * instead of being asked every day and again at settlement. A rule-level hit that is one question for its
 * discriminator (oneQuestion: a prescription's 种类超标) is made the same way of the rule, the discriminator and the
 * encounter.
 */
function jrIdOf(
  library: CompiledLibrary,
  rule: Rule,
  entry: PointEntry | undefined,
  hit: Hit,
  rxIds: readonly string[],
): string {
  // The encounter is mdtrt_id within its patient (jr-id.ts EncounterOfId): a HIS 就诊号 repeats across patients; and
  // a stay's questions are asked again in a later admission under a reused mdtrt_id (admissionDay).
  const encounter = {
    patientId: hit.encounter.patient.id,
    encounterId: hit.encounter.id,
    admissionDay: hit.encounter.laterAdmissionDay,
  };
  if (entry !== undefined && !hit.discriminator) {
    entry.jrPrefix ??= judgeResultPrefix(library.meta.version, rule.id, entry.kp.id);
    if (asksOncePerStay(entry.kp.limit)) return judgeResultIdOfStay(entry.jrPrefix, encounter);
    return judgeResultIdAfter(entry.jrPrefix, encounter, rxIds);
  }
  const pointKey = (entry?.kp.id ?? '') + (hit.discriminator ? `#${hit.discriminator}` : '');
  if (hit.oneQuestion) {
    return judgeResultIdOfStay(judgeResultPrefix(library.meta.version, rule.id, pointKey), encounter);
  }
  return judgeResultId({ libraryVersion: library.meta.version, ruleId: rule.id, pointKey, ...encounter, rxIds });
}
