import { isRecord } from './is-record';
import { linesOf, rxIdText } from './order-lines';
import type { JudgeResultDto, PriorAnswered } from './types';

export type { PriorAnswered } from './types';

/*
 * Environment-free (no Node, no DOM), as are the modules it imports: the widget bundles this same module, so the SDK
 * and <prealert-reminder> judge a vanished warning by one rule.
 */

/** One analysis as the tracker needs it: what was sent and what came back. An SDK `AnalyzeResult` plus `request`. */
export interface AnalysisSnapshot {
  /** 3101 (default) or 3102. */
  infno?: string;
  /** The 3101/3102 `input` sent, or its `data`. */
  request: unknown;
  results: readonly JudgeResultDto[];
  /** An SDK result's status: only an answer (`ok`, the default) tells which warnings are gone. */
  status?: string;
  /**
   * The answer is incomplete: the sidecar cut the list to fit, or could not include the provincial gateway's warnings
   * (`output.truncated`). A warning missing from it may only have been left out.
   */
  truncated?: boolean;
  /** Overrides the tracker's `wholePrescriptions` for this request. */
  wholePrescriptions?: boolean;
}

export interface VanishedWarningsOptions {
  /**
   * The host's requests always carry every line of each prescription (`rxno`) they send. Only then is a flagged line
   * missing from a prescription still sent taken as deleted; a HIS that analyses the orders the doctor selects
   * (spec §5.3) leaves the others out, and reading that as a deletion would report a 返回修改 that never happened.
   * Default false: only lines still sent as current lines and no longer flagged count.
   */
  wholePrescriptions?: boolean;
}

interface SentLine {
  rxno: string | undefined;
  /**
   * Sent as a current line (curr_drord_flag not "0"). A history line was saved earlier and is re-sent unchanged; the
   * checks fire only on current lines (spec §6.2), so a warning missing for it says nothing about the doctor's edit.
   */
  current: boolean;
}

/** One encounter of a request: its lines by rx_id and its prescriptions. */
interface EncounterScope {
  lines: Map<string, SentLine>;
  prescriptions: Set<string>;
}

interface RequestScope {
  /** infno, trig_scen and rule_ids: a warning may vanish only because another set of rules ran. */
  scene: string;
  encounters: Map<string, EncounterScope>;
}

interface OpenWarning {
  result: JudgeResultDto;
  scene: string;
  /** Every line the warning names (违规项 and 涉及项), with its rxno when the request gave one. */
  lines: Map<string, string | undefined>;
}

/** The sidecar takes a single object where a list belongs, and "" for an empty list: so does this. */
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : isRecord(value) ? [value] : []);

const text = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value).trim() || undefined : undefined;

const setKey = (value: unknown): string =>
  (Array.isArray(value) ? value.map(String) : String(value ?? '').split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .sort()
    .join(',');

function readScope(infno: string, request: unknown): RequestScope | undefined {
  const data = isRecord(request) && isRecord(request.data) ? request.data : request;
  if (!isRecord(data) || data.patient_dtos === undefined) return undefined;
  const encounters = new Map<string, EncounterScope>();
  for (const patient of listOf(data.patient_dtos)) {
    if (!isRecord(patient)) continue;
    for (const encounter of listOf(patient.fsi_encounter_dtos)) {
      const mdtrtId = isRecord(encounter) ? text(encounter.mdtrt_id) : undefined;
      if (!isRecord(encounter) || mdtrtId === undefined) continue;
      const scope = encounters.get(mdtrtId) ?? { lines: new Map(), prescriptions: new Set<string>() };
      for (const order of listOf(encounter.fsi_order_dtos)) {
        // Read as linesOf reads a warning's lines, so the two match.
        const rxId = isRecord(order) ? rxIdText(order.rx_id) : undefined;
        if (!isRecord(order) || rxId === undefined) continue;
        const rxno = text(order.rxno);
        scope.lines.set(rxId, { rxno, current: text(order.curr_drord_flag) !== '0' });
        if (rxno !== undefined) scope.prescriptions.add(rxno);
      }
      encounters.set(mdtrtId, scope);
    }
  }
  return { scene: `${infno}|${setKey(data.trig_scen)}|${setKey(data.rule_ids)}`, encounters };
}

/**
 * The rx_ids a 3101/3102 request (its `input` or `data`) sends, by encounter (mdtrt_id), current and history lines in
 * the order sent; read as the tracker reads them. The widget tells same-name lines apart with them: a warning may
 * flag one of two orders of an item, and the other one is only in the request.
 */
export function sentLineIds(request: unknown): Map<string, string[]> {
  const byEncounter = new Map<string, string[]>();
  for (const [mdtrtId, scope] of readScope('3101', request)?.encounters ?? []) {
    byEncounter.set(mdtrtId, [...scope.lines.keys()]);
  }
  return byEncounter;
}

/** Same rule, same encounter, same lines: the warning under another jr_id (a rules update), not a resolved one. */
const sameWarning = (a: JudgeResultDto, b: JudgeResultDto): boolean =>
  a.rule_id === b.rule_id && a.mdtrt_id === b.mdtrt_id && linesOf(a).sort().join(',') === linesOf(b).sort().join(',');

/**
 * The lines of the warning are all accounted for by the new request: each is still sent as a current line (and no
 * longer flagged), or, when the host sends whole prescriptions, was deleted from a prescription the request still
 * sends. A line re-sent as history was not checked again, and one whose whole prescription is missing may simply not
 * have been sent this time (the HIS checks another prescription): neither resolves the warning.
 */
function accountedFor(warning: OpenWarning, encounter: EncounterScope, wholePrescriptions: boolean): boolean {
  // No line to look at (a gateway's result without details): nothing shows the doctor changed anything.
  if (warning.lines.size === 0) return false;
  for (const [rxId, rxno] of warning.lines) {
    const sent = encounter.lines.get(rxId);
    if (sent !== undefined) {
      if (!sent.current) return false;
      continue;
    }
    if (!wholePrescriptions || rxno === undefined || !encounter.prescriptions.has(rxno)) return false;
  }
  return true;
}

/**
 * Finds the warnings the doctor resolved by editing the order instead of answering them. Feed it every analysis of
 * the doctor's station in order; `next()` returns the warnings shown earlier in the same encounter and scene
 * (infno, trig_scen, rule_ids) that this analysis no longer returns although it still covers their lines. Those were
 * sent back and modified: answer them with 3103 dspo_way 2 unless the doctor already answered them. Warnings of
 * encounters the request no longer contains are forgotten.
 */
export class VanishedWarnings {
  private readonly open = new Map<string, OpenWarning>();
  private readonly wholePrescriptions: boolean;

  constructor(options: VanishedWarningsOptions = {}) {
    this.wholePrescriptions = options.wholePrescriptions === true;
  }

  next(analysis: AnalysisSnapshot): JudgeResultDto[] {
    const wholePrescriptions = analysis.wholePrescriptions ?? this.wholePrescriptions;
    if ((analysis.status ?? 'ok') !== 'ok') return [];
    const scope = readScope(analysis.infno ?? '3101', analysis.request);
    if (!scope) return [];
    const returned = new Set(analysis.results.map((r) => r.jr_id));
    const resolved: JudgeResultDto[] = [];
    for (const [jrId, warning] of this.open) {
      const encounter = scope.encounters.get(warning.result.mdtrt_id);
      if (!encounter) {
        this.open.delete(jrId);
        continue;
      }
      if (returned.has(jrId) || warning.scene !== scope.scene || analysis.truncated) continue;
      if (
        !accountedFor(warning, encounter, wholePrescriptions) ||
        analysis.results.some((r) => sameWarning(r, warning.result))
      )
        continue;
      this.open.delete(jrId);
      resolved.push(warning.result);
    }
    for (const result of analysis.results as readonly PriorAnswered[]) {
      // Continued earlier (the sidecar says so): the doctor's answer stands whatever happens to the warning.
      if (result.prior_dspo === true && result.dspo_way === '1') {
        this.open.delete(result.jr_id);
        continue;
      }
      const lines = scope.encounters.get(result.mdtrt_id)?.lines;
      this.open.set(result.jr_id, {
        result,
        scene: scope.scene,
        lines: new Map(linesOf(result).map((rxId) => [rxId, lines?.get(rxId)?.rxno])),
      });
    }
    return resolved;
  }
}
