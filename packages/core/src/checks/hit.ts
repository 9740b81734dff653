import type { EvaluatorConfig } from '../evaluate/config';
import type { CompiledLibrary, PointEntry } from '../library/compile';
import type { Rule } from '../library/model';
import type { LocalTime } from '../normalize/dates';
import type { Encounter, Line, Patient } from '../normalize/normalized-types';

/** A flagged line (违规项) with the amount it contributes to vola_amt. */
export interface FlaggedLine {
  line: Line;
  amount: number;
}

/** What a check found in one encounter; becomes one national result. */
export interface Hit {
  encounter: Encounter;
  flagged: FlaggedLine[];
  /** Lines that made it fire without being at fault (涉及项). */
  involved: Line[];
  /** vola_cont. */
  message: string;
  /** The patient/encounter fact that breaks the limit, for rule message templates. */
  fact: string;
  /** False when a flagged line's amount could not be computed (no sumamt and no pric): vola_amt_stas 0. */
  amountComputed: boolean;
  /**
   * The limit may be met by a fact the request does not carry (a 二级 hospital that may be the eye hospital the basis
   * admits): like a text-only indication, the finding asks for confirmation (sev 3, confirm, amount 0).
   */
  asks?: true;
  /** Distinguishes several findings of one rule-level rule in one encounter (part of jr_id). */
  discriminator?: string;
  /**
   * The finding is one question for its discriminator in the encounter (a prescription's 种类超标), whichever lines it
   * flags: its jr_id is made of the rule, discriminator and encounter, not the rx_ids (judgeResultIdOfStay).
   */
  oneQuestion?: boolean;
}

export interface CheckContext {
  config: EvaluatorConfig;
  /** The library evaluated: for facts read once per library (drugs of a class, drugsOfClass). */
  library: CompiledLibrary;
  now: LocalTime;
  /**
   * The lines of the patient in hand that a surgery-discount point has flagged: a code in several incision groups
   * has a point in each, and its line is flagged once. Set per patient, only when it has surgery lines.
   */
  surgeryFlagged?: Set<Line>;
}

/**
 * A check driven by the code index: it sees the lines of one patient whose codes a knowledge point names (never
 * lines of two patients: a check may read patient facts from the first line).
 */
export type PointCheck = (entry: PointEntry, lines: readonly Line[], ctx: CheckContext) => Hit[] | undefined;

/** A check of a rule that has no knowledge points: it sees the whole patient. */
export type RuleCheck = (rule: Rule, patient: Patient, ctx: CheckContext) => Hit[] | undefined;

export function itemLabel(entry: PointEntry, line?: Line): string {
  return `【${entry.kp.itemName || line?.name || entry.kp.codes[0]}】`;
}

/**
 * A basis or limit text put in （…） inside a sentence, without its own closing 。 or ；: the published texts end in
 * one, and 「…二线用药。），未见」 reads as two sentences broken in the middle.
 */
export function quoted(text: string): string {
  return `（${withoutClosingStop(text)}）`;
}

/** The text as quoted() puts it in brackets: trimmed, without its own closing 。 or ；. */
export function withoutClosingStop(text: string): string {
  const t = text.trim();
  return /[。；;.]$/.test(t) ? t.slice(0, -1) : t;
}

/** Flags every current line for which `factOf` returns a fact, one hit per encounter. */
export function flagCurrentLines(
  lines: readonly Line[],
  factOf: (line: Line) => string | undefined,
  messageOf: (fact: string, line: Line) => string,
): Hit[] | undefined {
  let hits: Hit[] | undefined;
  for (const line of lines) {
    if (!line.current) continue;
    const fact = factOf(line);
    if (fact === undefined) continue;
    hits ??= [];
    let hit: Hit | undefined;
    for (let i = 0; i < hits.length; i++) {
      if (hits[i]!.encounter === line.encounter) {
        hit = hits[i];
        break;
      }
    }
    if (!hit) {
      hit = {
        encounter: line.encounter,
        flagged: [],
        involved: [],
        message: messageOf(fact, line),
        fact,
        amountComputed: true,
      };
      hits.push(hit);
    }
    hit.flagged.push({ line, amount: line.amount });
    if (!line.amountKnown) hit.amountComputed = false;
  }
  return hits;
}
