import type { KnowledgePoint, Rule } from '@prealert/core';
import type { ImportIssue, RecordSource } from './published-record';

/**
 * What a source file says it left out (`meta.left_out`): the 2026-01 re-issue holds 397 points and says 14 more were
 * left out, naming none of them, so their original points, with their pre-2025 code lists, stand. Nothing can be done
 * about them here, but IT rolling the library out should know.
 */
export function leftOutNotes(sources: readonly RecordSource[]): ImportIssue[] {
  return sources
    .filter((s) => s.leftOut !== undefined)
    .map((s) => ({
      file: s.file,
      row: 0,
      field: 'meta.left_out',
      message: `本文件说明另有 ${s.leftOut} 个重新发布的知识点未收入（其限定值未能按规则名和项目名唯一对应），未予应用：这些项目仍按原批次的知识点及其编码判断`,
    }));
}

/** Where a point came from, for a note that names its record. */
export interface PointOrigin {
  file: string;
  row: number;
  local: boolean;
}

/** Kinds whose points rightly name some of an item's codes only: a pair, an incision group. */
const PARTIAL_KINDS = new Set(['time_window', 'same_incision_group']);

/**
 * Published points of one item whose code lists disagree: 帕妥珠单抗注射液's 12-month limit (batch 6) names 1 of the 5
 * codes batch 17 lists for the drug, so a patient on another of its codes is never held to the 12 months. Each point
 * is faithful to its record and is not widened (the other codes may be another product the limit was not meant for);
 * the note names, per rule and item, the rule of the same item whose published points list the most codes this one
 * lacks. A local row of the same rule and item that adds them (the hospital's decision) counts as listing them.
 */
export function shortCodeListNotes(
  points: readonly KnowledgePoint[],
  origins: ReadonlyMap<KnowledgePoint, PointOrigin>,
  rules: ReadonlyMap<string, Rule>,
): ImportIssue[] {
  interface Listing {
    /** Every code the rule's points of the item name, local rows included. */
    codes: Set<string>;
    /** The codes its published points name, and the first of those points. */
    published: Set<string>;
    first?: KnowledgePoint;
  }
  const items = new Map<string, Map<string, Listing>>();
  for (const kp of points) {
    const origin = origins.get(kp);
    if (PARTIAL_KINDS.has(kp.limit.kind) || !origin) continue;
    const byRule = items.get(kp.itemName) ?? new Map<string, Listing>();
    items.set(kp.itemName, byRule);
    const listing = byRule.get(kp.ruleId) ?? { codes: new Set<string>(), published: new Set<string>() };
    byRule.set(kp.ruleId, listing);
    for (const c of kp.codes) listing.codes.add(c);
    if (origin.local) continue;
    listing.first ??= kp;
    for (const c of kp.codes) listing.published.add(c);
  }
  const notes: ImportIssue[] = [];
  for (const [item, byRule] of items) {
    if (byRule.size < 2) continue;
    for (const [ruleId, own] of byRule) {
      if (!own.first) continue;
      let widest: { ruleId: string; first: KnowledgePoint; codes: number; missing: string[] } | undefined;
      for (const [otherId, other] of byRule) {
        if (otherId === ruleId || !other.first) continue;
        const missing = [...other.published].filter((c) => !own.codes.has(c));
        if (missing.length > (widest?.missing.length ?? 0))
          widest = { ruleId: otherId, first: other.first, codes: other.published.size, missing };
      }
      if (!widest) continue;
      const origin = origins.get(own.first)!;
      const where = [widest.first.source, widest.first.batch !== undefined && `第 ${widest.first.batch} 批`]
        .filter(Boolean)
        .join(' ');
      const examples = widest.missing.slice(0, 3).join('、') + (widest.missing.length > 3 ? ' 等' : '');
      notes.push({
        file: origin.file,
        row: origin.row,
        field: 'codes',
        message:
          `【${item}】${rules.get(ruleId)?.name ?? ruleId} 只列 ${own.published.size} 个编码，同一项目的 ` +
          `${rules.get(widest.ruleId)?.name ?? widest.ruleId}（${where}）列 ${widest.codes} 个：` +
          `其余 ${widest.missing.length} 个（${examples}）不受此项限制`,
      });
    }
  }
  return notes;
}
