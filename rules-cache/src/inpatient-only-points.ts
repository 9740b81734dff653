import type { KnowledgePoint } from '@prealert/core';
import { LOCAL_RULE_IDS } from './rule-catalogue';

/**
 * The rule batch 4 files 「…的住院患者方予支付」 under. The same sentence read out of a pay-days or indication text
 * (limit-parser.ts INPATIENT_ONLY) goes there too: filed under 药品限支付疗程, an outpatient injection was reported to
 * the doctor as a 支付疗程 violation on its first day, and the 医保办's figures by rule counted it there.
 */
export const VISIT_TYPE_RULE_NAME = '药品限就医方式';
export const VISIT_TYPE_RULE_ID = LOCAL_RULE_IDS[VISIT_TYPE_RULE_NAME]!;

/**
 * A visit-type point read out of another rule's text keeps only the codes no visit-type point of its rule holds
 * already (a published one, or one read earlier), and goes when none is left: 复方氨基酸注射液(15AA)'s indication text
 * restates its batch 4 point word for word, and one outpatient line would otherwise get the same warning twice.
 */
export function withoutRestatedVisitLimits(points: KnowledgePoint[], readFromText: ReadonlySet<KnowledgePoint>): void {
  if (readFromText.size === 0) return;
  const held = new Set<string>();
  const key = (kp: KnowledgePoint, code: string) => `${kp.ruleId}\u0001${code}`;
  for (const kp of points) {
    if (kp.limit.kind === 'visit_type' && !readFromText.has(kp)) for (const c of kp.codes) held.add(key(kp, c));
  }
  for (let i = 0; i < points.length; i++) {
    const kp = points[i]!;
    if (!readFromText.has(kp)) continue;
    const codes = kp.codes.filter((c) => !held.has(key(kp, c)));
    for (const c of codes) held.add(key(kp, c));
    if (codes.length === 0) points.splice(i--, 1);
    else kp.codes = codes;
  }
}
