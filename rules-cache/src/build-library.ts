import path from 'node:path';
import type { CheckKind, KnowledgePoint, LibraryData, LibraryMeta, Rule, Severity } from '@prealert/core';
import { stableHash } from '@prealert/core';
import { type DayRange, effectiveDays, outsideCopy, uncoveredDays } from './effective-days';
import { leftOutNotes, type PointOrigin, shortCodeListNotes } from './import-notes';
import { quietWithSecondLineCarried } from './indication-diagnoses';
import { VISIT_TYPE_RULE_ID, VISIT_TYPE_RULE_NAME, withoutRestatedVisitLimits } from './inpatient-only-points';
import { parseLimit } from './limit-parser';
import { contradictingLocalLimits, type LocalRows } from './local-contradictions';
import { withoutLocalRepeats } from './local-repeats';
import { frameworkRuleNamed, localRuleCodeProblem } from './local-rule-code';
import type { ImportIssue, ImportResult, PublishedRecord, RecordSource } from './published-record';
import { defaultSeverityOf, type FrameworkRule, localRuleId, makeRule, ruleClassOf, seedRules } from './rule-catalogue';

export interface BuildOptions {
  meta: LibraryMeta;
  /** Published batches and local CSVs, in order. */
  sources: readonly RecordSource[];
  /** Re-issues applied after the sources: a record replaces every point with the same rule_name and item_name. */
  revisions?: readonly RecordSource[];
  framework: readonly FrameworkRule[];
  /** Add the rules that need no knowledge points (data quality, prescription size, duplicate class). Default true. */
  seedRules?: boolean;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function ruleIdFor(record: PublishedRecord, framework: ReadonlyMap<string, FrameworkRule>): string {
  if (record.gz_code) return record.gz_code;
  return (
    localRuleId(record.rule_name) ??
    // A local row without gz_code, named as the framework names the rule: that rule, not a second one of its name.
    frameworkRuleNamed(record.rule_name, framework)?.code ??
    `PA-${stableHash(record.rule_name).slice(0, 12).toUpperCase()}`
  );
}

/**
 * A rule takes its kind (and default severity) from its first record, but one rule can hold points of several kinds
 * (医疗服务项目限支付疗程: a pay-days limit and an interval limit read from one prose limit). A point of another
 * kind carries its own kind's default severity.
 */
function pointSeverity(rule: Rule, kind: CheckKind): { severity?: Severity } {
  if (kind === rule.kind) return {};
  const severity = defaultSeverityOf(rule.id, kind);
  return severity === rule.severity ? {} : { severity };
}

/**
 * A point names its file by base name only: the folder is where the builder happened to keep it, and a path in every
 * point made the same sources built from another folder a different library (a delta of every point) and sent the
 * build machine's layout to every workstation. win32 basename: it splits at both / and \\, wherever the builder ran.
 */
function sourceName(file: string): string {
  return path.win32.basename(file);
}

function replaceKey(record: PublishedRecord): string {
  return `${record.rule_name}\u0001${record.item_name}`;
}

/** A record the library is built from, where it came from, and whether it is a local row. */
interface Chosen {
  file: string;
  row: number;
  record: PublishedRecord;
  local?: boolean;
  /** The CSV row of each of the record's codes. */
  codeRows?: number[];
}

/** Kinds where one code rightly sits in several points of a rule: a surgery in several incision groups, pairs. */
const SHARED_CODE_KINDS = new Set(['same_incision_group', 'time_window']);

/**
 * A revised point is the rule's word on its codes: an unrevised point of the same rule and limit type that names
 * them too (the same drug published under a variant of its name: 小儿清热止咳口服液(小儿清热止咳合剂) beside the
 * revised 小儿清热止咳合剂(小儿清热止咳口服液)) loses them, and goes when none is left; otherwise one order line
 * would be warned twice, once by the outdated limit. A local row keeps its codes: it is the hospital's word, not an
 * outdated publication (a local 本院爱普列特片 point vanished here without a word).
 */
function withoutRevisedCodes(chosen: Chosen[], revised: ReadonlyMap<string, { record: PublishedRecord }>): void {
  const revisedCodes = new Map<string, Set<string>>();
  for (const { record } of revised.values()) {
    if (SHARED_CODE_KINDS.has(record.limit_type)) continue;
    const group = `${record.rule_name}\u0001${record.limit_type}`;
    const codes = revisedCodes.get(group) ?? new Set<string>();
    revisedCodes.set(group, codes);
    for (const code of record.codes) codes.add(code.trim());
  }
  for (let i = chosen.length - 1; i >= 0; i--) {
    const { record, local } = chosen[i]!;
    if (local || revised.get(replaceKey(record))?.record === record) continue;
    const codes = revisedCodes.get(`${record.rule_name}\u0001${record.limit_type}`);
    if (!codes || !record.codes.some((c) => codes.has(c.trim()))) continue;
    const kept = record.codes.filter((c) => !codes.has(c.trim()));
    if (kept.length === 0) chosen.splice(i, 1);
    else chosen[i] = { ...chosen[i]!, record: { ...record, codes: kept } };
  }
}

/**
 * Builds a complete library from published records. Every record is checked first; any issue (with file and row)
 * means no library at all, so a bad source never half-replaces a good one.
 */
export function buildLibrary(options: BuildOptions): ImportResult<LibraryData> {
  const framework = new Map(options.framework.map((r) => [r.code, r]));
  const issues: ImportIssue[] = [];
  const notes: ImportIssue[] = [];
  const revised = new Map<string, { file: string; row: number; record: PublishedRecord }>();
  for (const source of options.revisions ?? []) {
    for (const { row, record } of source.records) revised.set(replaceKey(record), { file: source.file, row, record });
  }
  const chosen: Chosen[] = [];
  const seen = new Set<string>();
  for (const source of options.sources) {
    for (const { row, record, codeRows } of source.records) {
      // A local row is the hospital's own addition, not a published point a re-issue could replace: the hospital
      // may have added it because of the re-issue (the codes a revised point leaves out).
      if (source.local) {
        chosen.push({ file: source.file, row, record, local: true, ...(codeRows && { codeRows }) });
        continue;
      }
      const key = replaceKey(record);
      const revision = revised.get(key);
      if (revision) {
        // Replaced: the revision stands where the first original stood; further originals with the key drop out.
        if (!seen.has(key)) chosen.push(revision);
      } else chosen.push({ file: source.file, row, record });
      seen.add(key);
    }
  }
  for (const [key, revision] of revised) if (!seen.has(key)) chosen.push(revision);
  withoutRevisedCodes(chosen, revised);

  const rules = new Map<string, Rule>();
  const points: KnowledgePoint[] = [];
  /** Interval points read out of pay-days prose (评定间隔时间不短于14天), dropped if a point of their own says the same. */
  const fromProse = new Set<KnowledgePoint>();
  /** Visit-type points read out of another rule's text (住院方可支付), filed under the visit-type rule. */
  const inpatientOnly = new Set<KnowledgePoint>();
  const origins = new Map<KnowledgePoint, PointOrigin>();
  const named: NamedPoint[] = [];
  const ruleFor = (id: string, name: string, kind: CheckKind, gzCode: string | null | undefined): Rule => {
    let rule = rules.get(id);
    if (!rule) {
      rule = makeRule({ id, name, kind, ruleClass: ruleClassOf(gzCode, framework) });
      rules.set(id, rule);
    }
    return rule;
  };
  const localRows = new Map<KnowledgePoint, LocalRows>();
  for (const { file, row, record, local, codeRows } of chosen) {
    const ruleCode =
      local && record.gz_code ? localRuleCodeProblem(record.gz_code, record.rule_name, framework) : undefined;
    if (ruleCode !== undefined) {
      issues.push({ file, row, field: 'gz_code', message: ruleCode });
      continue;
    }
    const parsed = parseLimit(record.limit_type, record.limit_value, record.basis ?? '');
    if (!parsed.ok) {
      issues.push({ file, row, field: parsed.field ?? 'limit_value', message: parsed.error });
      continue;
    }
    if (parsed.note) notes.push({ file, row, field: 'limit_value', message: parsed.note });
    for (const field of ['effective_from', 'effective_to'] as const) {
      const v = record[field];
      if (v !== undefined && v !== '' && !DATE.test(v))
        issues.push({ file, row, field, message: '日期应为 yyyy-MM-dd' });
    }
    if (parsed.limits[0]!.kind === 'time_window' && record.codes.length !== 2) {
      issues.push({ file, row, field: 'codes', message: '重复收费项目对应为 [A, B] 两个编码' });
      continue;
    }
    const ruleId = ruleIdFor(record, framework);
    const rule = ruleFor(ruleId, framework.get(ruleId)?.name ?? record.rule_name, parsed.kind, record.gz_code);
    const baseKey = `${record.rule_name}\u0001${record.item_name}`;
    parsed.limits.forEach((limit, i) => {
      const readFromText = limit.kind === 'visit_type' && parsed.kind !== 'visit_type';
      const pointRule = readFromText
        ? ruleFor(VISIT_TYPE_RULE_ID, VISIT_TYPE_RULE_NAME, 'visit_type', undefined)
        : rule;
      const point: KnowledgePoint = {
        id: '',
        ruleId: pointRule.id,
        itemName: record.item_name,
        itemType: record.item_type ?? '',
        codes: record.codes.map((c) => c.trim()),
        limit,
        ...pointSeverity(pointRule, limit.kind),
        limitText: record.limit_value === null || record.limit_value === undefined ? '' : String(record.limit_value),
        basis: record.basis ?? '',
        source: sourceName(file),
      };
      if (record.detect_logic) point.detectLogic = record.detect_logic;
      if (record.batch !== undefined) point.batch = record.batch;
      if (record.published_at) point.publishedAt = record.published_at;
      if (record.effective_from) point.effectiveFrom = record.effective_from;
      if (record.effective_to) point.effectiveTo = record.effective_to;
      if (i > 0 && parsed.kind === 'max_pay_days' && limit.kind === 'max_qty_per_n_days') fromProse.add(point);
      if (readFromText) inpatientOnly.add(point);
      origins.set(point, { file, row, local: local === true });
      if (local) localRows.set(point, { file, codeRows: codeRows ?? [row] });
      points.push(point);
      const rest = [record.gz_code, record.item_type, record.basis, record.effective_from, record.effective_to];
      named.push({
        point,
        base: `kp-${stableHash(baseKey).slice(0, 16)}${i > 0 ? `-${i + 1}` : ''}`,
        limitHash: stableHash(`${baseKey}\u0001${record.limit_value ?? ''}`).slice(0, 6),
        restHash: stableHash(JSON.stringify([...rest, record.codes])).slice(0, 6),
        local: local === true,
        record: local ? JSON.stringify([record, i]) : '',
      });
    });
  }
  issues.push(...contradictingLocalLimits(points, localRows));
  if (issues.length > 0) return { ok: false, issues };
  assignIds(named);
  notes.push(...withoutLocalRepeats(points, localRows));
  withoutRestatedIntervals(points, fromProse);
  withoutRestatedVisitLimits(points, inpatientOnly);
  // Before a local mapping takes codes from a text-only point: that is the mapping's choice, not a short list.
  notes.push(
    ...[...options.sources, ...(options.revisions ?? [])].flatMap((s) => s.notes ?? []),
    ...leftOutNotes([...options.sources, ...(options.revisions ?? [])]),
    ...shortCodeListNotes(points, origins, rules),
  );
  mappedIndicationsReplaceTextOnly(points);
  quietWhereSecondLineDecides(points);
  if (options.seedRules !== false)
    for (const rule of seedRules(framework)) if (!rules.has(rule.id)) rules.set(rule.id, rule);
  const value = { meta: options.meta, rules: [...rules.values()], knowledgePoints: points };
  return notes.length > 0 ? { ok: true, value, notes } : { ok: true, value };
}

/** A point waiting for its id, with the parts the id is made of. */
interface NamedPoint {
  point: KnowledgePoint;
  /** `kp-` and the hash of rule and item name (and the limit's place in its record, after the first). */
  base: string;
  /** The hash of rule, item and limit text. */
  limitHash: string;
  /** The hash of the rest of the record: rule code, item type, basis, dates, codes. */
  restHash: string;
  local: boolean;
  /** The whole record and the limit's place in it: decides between local points alike in every hashed part. */
  record: string;
}

/**
 * Gives every point its id. Published points keep the ids they always had, decided in publication order (NHSA fixes
 * it, and stored figures hang on these ids): the first holder of a base id gets it plain (the same surgery in several
 * incision groups: later ones get the limit hash), and a point whose id is still taken gets the rest hash, then a
 * count. A local CSV's rows are re-sorted at will, and an id that followed their order moved from one point to another
 * between two builds (two windows of one mapping swapped kp_ids, so stats and the delta joined the wrong window). A
 * local point's id therefore depends only on its own record and on which records share its parts: the base id where
 * it is the only point of its rule and item, else the limit hash, and the rest hash whenever another point has that
 * too.
 */
function assignIds(named: readonly NamedPoint[]): void {
  const taken = new Set<string>();
  const seen = new Map<string, number>();
  const free = (id: string) => {
    let unique = id;
    for (let k = 2; taken.has(unique); k++) unique = `${id}-${k}`;
    taken.add(unique);
    return unique;
  };
  for (const n of named) {
    if (n.local) continue;
    const count = (seen.get(n.base) ?? 0) + 1;
    seen.set(n.base, count);
    const id = count > 1 ? `${n.base}-${n.limitHash}` : n.base;
    n.point.id = taken.has(id) ? free(`${id}-${n.restHash}`) : free(id);
  }
  const local = named.filter((n) => n.local);
  const holders = new Map<string, number>();
  const count = (key: string) => holders.set(key, (holders.get(key) ?? 0) + 1);
  for (const n of named) count(n.base);
  const candidate = (n: NamedPoint) => (holders.get(n.base) === 1 ? n.base : `${n.base}-${n.limitHash}`);
  const sharing = new Map<string, number>();
  for (const n of local) sharing.set(candidate(n), (sharing.get(candidate(n)) ?? 0) + 1);
  // Records alike in every hashed part are told apart by a count: in the order of their whole record, not their row.
  const ordered = [...local].sort((a, b) => (a.record < b.record ? -1 : a.record > b.record ? 1 : 0));
  for (const n of ordered) {
    const id = candidate(n);
    n.point.id = (sharing.get(id) ?? 0) > 1 || taken.has(id) ? free(`${id}-${n.restHash}`) : free(id);
  }
}

/**
 * Drops an interval read out of pay-days prose where a frequency point of its own (医疗服务项目周期超频次: 手功能评定
 * "1/14天", 儿童听力障碍语言训练 "1/7天") limits the same codes the same way: otherwise one pair of sessions too close
 * together gave the doctor two warnings, under two rules, for one fact.
 */
function withoutRestatedIntervals(points: KnowledgePoint[], fromProse: ReadonlySet<KnowledgePoint>): void {
  if (fromProse.size === 0) return;
  const key = (kp: KnowledgePoint) =>
    kp.limit.kind === 'max_qty_per_n_days'
      ? `${kp.limit.qty}/${kp.limit.days}\u0001${[...kp.codes].sort().join(',')}`
      : '';
  const stated = new Set<string>();
  for (const kp of points) if (kp.limit.kind === 'max_qty_per_n_days' && !fromProse.has(kp)) stated.add(key(kp));
  for (let i = points.length - 1; i >= 0; i--) {
    const kp = points[i]!;
    if (fromProse.has(kp) && stated.has(key(kp))) points.splice(i, 1);
  }
}

/**
 * A 药品限适应症 point with ICD-10 prefixes for a code (a local mapping: rules.md, the text-only reminder applies
 * "until a local mapping adds prefixes") takes the place of a text-only point of the same rule for that code: the
 * text-only point loses the code, and goes when it has none left. Otherwise one order line got both reminders, the
 * mapping's (sev 2, reason) and the text's (sev 3, confirm), for one question. Its other codes stay as published.
 * Only where the mapping is in effect, though: a point has a single window of days, so the text-only point's reading
 * of a mapped code on the days no mapping of it holds (before its effective_from, after its effective_to) goes to a
 * copy of the point limited to those days, one copy per gap; without one, an expired or not yet valid mapping left
 * the line no reminder at all. A copy's id is the point's with a suffix of its window, stable across builds.
 * Here rather than in the evaluator: only the import sees sources and revisions meet, and the evaluator
 * configuration maps no diagnoses of its own.
 */
function mappedIndicationsReplaceTextOnly(points: KnowledgePoint[]): void {
  const mapped = new Map<string, DayRange[]>();
  for (const kp of points) {
    if (kp.limit.kind !== 'indication' || kp.limit.icdPrefixes.length === 0) continue;
    const days = effectiveDays(kp);
    for (const code of kp.codes) {
      const key = `${kp.ruleId}\u0001${code}`;
      mapped.set(key, [...(mapped.get(key) ?? []), days]);
    }
  }
  if (mapped.size === 0) return;
  for (let i = points.length - 1; i >= 0; i--) {
    const kp = points[i]!;
    if (kp.limit.kind !== 'indication' || kp.limit.icdPrefixes.length > 0) continue;
    const own = effectiveDays(kp);
    const kept: string[] = [];
    const outside = new Map<string, { days: DayRange; codes: string[] }>();
    for (const code of kp.codes) {
      const windows = mapped.get(`${kp.ruleId}\u0001${code}`);
      if (!windows) {
        kept.push(code);
        continue;
      }
      const gaps = uncoveredDays(own, windows);
      // No mapping of the code meets the point's days: the point keeps it whole.
      if (gaps.length === 1 && gaps[0]!.from === own.from && gaps[0]!.to === own.to) {
        kept.push(code);
        continue;
      }
      for (const days of gaps) {
        const key = `${days.from}\u0001${days.to}`;
        const copy = outside.get(key) ?? { days, codes: [] };
        outside.set(key, copy);
        copy.codes.push(code);
      }
    }
    if (kept.length === kp.codes.length) continue;
    const copies = [...outside.values()].map(({ days, codes }) => outsideCopy(kp, days, codes));
    if (kept.length === 0) points.splice(i, 1, ...copies);
    else {
      kp.codes = kept;
      points.splice(i + 1, 0, ...copies);
    }
  }
}

/**
 * An indication point 「限有十二指肠溃疡、反流性食管炎诊断患者的二线用药」 asks two things: a diagnosis, and that the
 * drug be second line. Where a 药品限二线使用 point covers all its codes, that point decides the second line (audit
 * O12: it passed on a patient with omeprazole before, while the indication point still reminded on K21.0): the
 * indication point is left the diagnoses, and gets their prefixes to be quiet with any one of them.
 */
function quietWhereSecondLineDecides(points: KnowledgePoint[]): void {
  const secondLine = points.filter((kp) => kp.limit.kind === 'second_line').map((kp) => new Set(kp.codes));
  if (secondLine.length === 0) return;
  for (const kp of points) {
    const limit = kp.limit;
    if (limit.kind !== 'indication' || limit.icdPrefixes.length > 0 || limit.quietIcdPrefixes !== undefined) continue;
    if (!secondLine.some((codes) => kp.codes.every((c) => codes.has(c)))) continue;
    const quiet = quietWithSecondLineCarried(limit.text, kp.basis);
    if (quiet.prefixes.length === 0) continue;
    kp.limit = {
      ...limit,
      quietIcdPrefixes: quiet.prefixes,
      ...(quiet.minAgeYears !== undefined && { quietMinAgeYears: quiet.minAgeYears }),
      ...(quiet.priorClasses !== undefined && { quietPriorClasses: quiet.priorClasses }),
    };
  }
}
