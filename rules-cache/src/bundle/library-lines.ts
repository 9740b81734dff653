import { CHECK_KINDS, type KnowledgePoint, type LibraryData, type LibraryMeta, type Rule } from '@prealert/core';
import { BundleError } from './bundle-error';
import { canonicalJson } from './canonical-json';

/**
 * A library file is newline-delimited JSON: a header line with the meta, then one line per rule, then one line per
 * knowledge point, each in canonical JSON and sorted by id. One record per line lets a sidecar parse, hash and
 * diff a 200,000-point library a slice at a time, and sorting makes the bytes (hence the hash) depend on the
 * content alone.
 */
export const LIBRARY_FORMAT = 'prealert-library/1';

/** Sections in file order. */
export const Section = { Header: 0, Rule: 1, Point: 2 } as const;
export type Section = (typeof Section)[keyof typeof Section];

export interface RecordKey {
  section: Section;
  id: string;
}

const CHECK_KIND_SET: ReadonlySet<string> = new Set(CHECK_KINDS);
const IMPACTS: ReadonlySet<string> = new Set(['notice', 'confirm', 'reason', 'block']);
const RULE_CLASSES: ReadonlySet<string> = new Set(['政策类', '管理类', '医疗类']);

export function compareKeys(a: RecordKey, b: RecordKey): number {
  if (a.section !== b.section) return a.section - b.section;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function headerLine(meta: LibraryMeta): string {
  return canonicalJson({ format: LIBRARY_FORMAT, meta });
}

export function ruleLine(rule: Rule): string {
  return canonicalJson({ id: rule.id, rule });
}

export function pointLine(point: KnowledgePoint): string {
  return canonicalJson({ id: point.id, kp: point });
}

function byId<T extends { id: string }>(items: readonly T[], what: string): T[] {
  const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.id === sorted[i - 1]!.id)
      throw new BundleError(`two ${what}s have id ${sorted[i]!.id}`, 'bad_content');
  }
  return sorted;
}

/** The canonical lines of a library (without newlines). */
export function libraryLines(data: LibraryData): string[] {
  return [
    headerLine(data.meta),
    ...byId(data.rules, 'rule').map(ruleLine),
    ...byId(data.knowledgePoints, 'knowledge point').map(pointLine),
  ];
}

/** The bytes of a library file: every line ends with a newline, so a cut-off file is recognisable. */
export function libraryText(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

// Canonical lines start with the id (the key "id" sorts before "kp" and "rule"), so the key of a line can be read
// without parsing it: a delta is applied to 200,000 parent lines without JSON.parse on each.
const KEY_PREFIX = /^\{"id":"((?:[^"\\]|\\.)*)","(kp|rule)":/;

/** The key of a rule or point line; undefined for anything else (the header, a delete op). */
export function scanKey(line: string): RecordKey | undefined {
  const m = KEY_PREFIX.exec(line);
  if (!m) return undefined;
  const raw = m[1]!;
  const id = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
  return { section: m[2] === 'kp' ? Section.Point : Section.Rule, id };
}

export type ParsedRecord =
  | { section: typeof Section.Header; id: ''; meta: LibraryMeta }
  | { section: typeof Section.Rule; id: string; rule: Rule }
  | { section: typeof Section.Point; id: string; point: KnowledgePoint };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and checks one line of a library file; `where` (file:line) goes into any error. */
export function parseLibraryLine(line: string, where: string): ParsedRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new BundleError(`not JSON (${(error as Error).message})`, 'bad_content', where);
  }
  if (!isRecord(value)) throw new BundleError('a line must hold a JSON object', 'bad_content', where);
  if (value.format !== undefined) {
    if (value.format !== LIBRARY_FORMAT) {
      throw new BundleError(`format ${JSON.stringify(value.format)} is not ${LIBRARY_FORMAT}`, 'bad_content', where);
    }
    return { section: Section.Header, id: '', meta: checkMeta(value.meta, where) };
  }
  if (typeof value.id !== 'string' || value.id === '') throw new BundleError('id missing', 'bad_content', where);
  if (value.rule !== undefined) {
    const rule = checkRule(value.rule, `${where} rule`);
    if (rule.id !== value.id) throw new BundleError('rule.id differs from the line id', 'bad_content', where);
    return { section: Section.Rule, id: value.id, rule };
  }
  if (value.kp !== undefined) {
    const point = checkPoint(value.kp, `${where} kp`);
    if (point.id !== value.id) throw new BundleError('kp.id differs from the line id', 'bad_content', where);
    return { section: Section.Point, id: value.id, point };
  }
  throw new BundleError('a line holds a header, a rule or a kp', 'bad_content', where);
}

function fail(where: string, field: string, message: string): never {
  throw new BundleError(message, 'bad_content', `${where}.${field}`);
}

function text(v: Record<string, unknown>, field: string, where: string, optional = false): void {
  const x = v[field];
  if (optional && x === undefined) return;
  if (typeof x !== 'string') fail(where, field, 'must be a string');
}

function checkMeta(value: unknown, where: string): LibraryMeta {
  if (!isRecord(value)) fail(where, 'meta', 'must be an object');
  const w = `${where} meta`;
  text(value, 'version', w);
  text(value, 'region', w);
  text(value, 'createdAt', w);
  text(value, 'parentVersion', w, true);
  text(value, 'description', w, true);
  if (value.version === '') fail(w, 'version', 'must not be empty');
  return value as unknown as LibraryMeta;
}

function checkRule(value: unknown, where: string): Rule {
  if (!isRecord(value)) throw new BundleError('must be an object', 'bad_content', where);
  text(value, 'id', where);
  text(value, 'name', where);
  if (!RULE_CLASSES.has(value.ruleClass as string)) fail(where, 'ruleClass', 'must be 政策类, 管理类 or 医疗类');
  if (!CHECK_KIND_SET.has(value.kind as string)) fail(where, 'kind', 'is not a known kind of check');
  if (value.severity !== 1 && value.severity !== 2 && value.severity !== 3)
    fail(where, 'severity', 'must be 1, 2 or 3');
  if (!IMPACTS.has(value.impact as string)) fail(where, 'impact', 'must be notice, confirm, reason or block');
  const scenes = value.scenes;
  if (!Array.isArray(scenes) || !scenes.every((s) => Number.isInteger(s) && s >= 1 && s <= 10)) {
    fail(where, 'scenes', 'must be a list of trig_scen values 1-10');
  }
  if (typeof value.enabled !== 'boolean') fail(where, 'enabled', 'must be true or false');
  text(value, 'message', where, true);
  if (value.params !== undefined && !isRecord(value.params)) fail(where, 'params', 'must be an object');
  return value as unknown as Rule;
}

function checkPoint(value: unknown, where: string): KnowledgePoint {
  if (!isRecord(value)) throw new BundleError('must be an object', 'bad_content', where);
  for (const field of ['id', 'ruleId', 'itemName', 'itemType', 'limitText', 'basis']) text(value, field, where);
  for (const field of ['detectLogic', 'publishedAt', 'effectiveFrom', 'effectiveTo', 'source']) {
    text(value, field, where, true);
  }
  const codes = value.codes;
  if (!Array.isArray(codes) || codes.length === 0 || !codes.every((c) => typeof c === 'string' && c !== '')) {
    fail(where, 'codes', 'must be a non-empty list of national codes');
  }
  const limit = value.limit;
  if (!isRecord(limit) || !CHECK_KIND_SET.has(limit.kind as string)) {
    fail(where, 'limit', 'must be an object whose kind is a known kind of check');
  }
  if (value.batch !== undefined && !Number.isInteger(value.batch)) fail(where, 'batch', 'must be an integer');
  if (value.severity !== undefined && value.severity !== 1 && value.severity !== 2 && value.severity !== 3)
    fail(where, 'severity', 'must be 1, 2 or 3');
  return value as unknown as KnowledgePoint;
}
