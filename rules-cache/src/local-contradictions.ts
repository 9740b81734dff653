import path from 'node:path';
import type { CheckKind, KnowledgePoint } from '@prealert/core';
import { daysOverlap, effectiveDays } from './effective-days';
import { limitKey } from './limit-key';
import type { ImportIssue } from './published-record';

/**
 * Kinds whose limit is one value of the patient or the visit (a sex, an age, a 险种, a level): two different ones for
 * one code under one rule cannot both be meant. 男 and 女 for one drug warned every patient, man or woman, on every
 * prescription of it (a copy/paste slip in Excel). Kinds where one code rightly holds several limits are not here:
 * several frequency ceilings, pairs, incision groups, several indication mappings (which both stand).
 */
export const SINGLE_VALUED: ReadonlySet<CheckKind> = new Set<CheckKind>([
  'sex',
  'age_group',
  'age_range',
  'insurance_type',
  'visit_type',
  'min_hospital_level',
  'doctor_title_limit',
]);

/** Where a local point's codes came from: its file, and the CSV row of each code. */
export interface LocalRows {
  file: string;
  codeRows: readonly number[];
}

/**
 * Local points of one rule that give one code contradicting limits of a single-valued kind on overlapping days: each
 * is refused at its row, naming the file and row of the one it contradicts. Published points are NHSA's word and are
 * not compared here.
 */
export function contradictingLocalLimits(
  points: readonly KnowledgePoint[],
  local: ReadonlyMap<KnowledgePoint, LocalRows>,
): ImportIssue[] {
  const earlier = new Map<string, { kp: KnowledgePoint; file: string; row: number }[]>();
  const issues: ImportIssue[] = [];
  for (const kp of points) {
    const rows = local.get(kp);
    if (!rows || !SINGLE_VALUED.has(kp.limit.kind)) continue;
    const limit = limitKey(kp.limit);
    kp.codes.forEach((code, i) => {
      const row = rows.codeRows[i] ?? rows.codeRows[0] ?? 0;
      const key = `${kp.ruleId}\u0001${kp.limit.kind}\u0001${code}`;
      const before = earlier.get(key) ?? [];
      earlier.set(key, [...before, { kp, file: rows.file, row }]);
      const other = before.find(
        (o) => limitKey(o.kp.limit) !== limit && daysOverlap(effectiveDays(o.kp), effectiveDays(kp)),
      );
      if (!other) return;
      issues.push({
        file: rows.file,
        row,
        field: 'limit_value',
        message:
          `与 ${path.win32.basename(other.file)}:${other.row} 矛盾：同一规则、同一编码 ${code}，` +
          `此行限定 ${JSON.stringify(kp.limitText)}，该行限定 ${JSON.stringify(other.kp.limitText)}，不能同时成立；请只保留正确的一行`,
      });
    });
  }
  return issues;
}
