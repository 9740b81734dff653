/**
 * Property-based (fuzz) tests: mutations of real HIS-shaped envelopes, as fast-check arbitraries.
 *
 * A generated case is a *plan* (which base envelope, which mutations), not the mutated envelope itself: fast-check
 * shrinks the plan (fewer mutations, simpler values) and prints it, and `wireText(plan)` turns it into the JSON text
 * a HIS would send. The text is written by hand, so it can carry what JSON.stringify cannot: number tokens such as
 * `1e400` or `-0`, and own keys named `__proto__`.
 *
 * Runs and seed: each property has a default run count and one fixed seed, so a run is reproducible;
 * `FUZZ_RUNS=5000 FUZZ_SEED=123 npx vitest run …` overrides both (FUZZ_SEED=random draws one, printed on failure).
 */
import fc from 'fast-check';

type Json = Record<string, unknown>;
type Path = (string | number)[];

/** The seed of every property unless FUZZ_SEED says otherwise. */
export const DEFAULT_FUZZ_SEED = 20261120;

export function fuzzSeed(): number {
  const raw = process.env.FUZZ_SEED;
  if (raw === undefined || raw === '') return DEFAULT_FUZZ_SEED;
  if (raw === 'random') return (Math.random() * 2 ** 31) | 0;
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer or "random", not ${JSON.stringify(raw)}`);
  return seed;
}

export function fuzzRuns(defaultRuns: number): number {
  const raw = process.env.FUZZ_RUNS;
  if (raw === undefined || raw === '') return defaultRuns;
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs <= 0) throw new Error(`FUZZ_RUNS must be a positive integer, not ${raw}`);
  return runs;
}

/** fc.assert parameters: the seed and run count above. */
export function fuzzParameters<T>(defaultRuns: number): fc.Parameters<T> {
  return { seed: fuzzSeed(), numRuns: fuzzRuns(defaultRuns) };
}

/** A vitest timeout that grows with FUZZ_RUNS: `perRunMs` per run over the default count, at least `floorMs`. */
export function fuzzTimeout(defaultRuns: number, perRunMs: number, floorMs = 60_000): number {
  return Math.max(floorMs, fuzzRuns(defaultRuns) * perRunMs);
}

// ---------------------------------------------------------------------------------------------------------------
// Values

/** A number token written into the JSON text as is (JSON.stringify could not: 1e400, -0, 30 digits). */
export class RawNumber {
  constructor(readonly text: string) {}
  toString(): string {
    return `RawNumber(${this.text})`;
  }
}

/** Deeply nested arrays or objects: `[[[…]]]` or `{"a":{"a":…}}`. */
export class Nested {
  constructor(
    readonly kind: 'array' | 'object',
    readonly depth: number,
  ) {}
  toString(): string {
    return `Nested(${this.kind}, ${this.depth})`;
  }
}

const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'isPrototypeOf',
];

/** A JSON object with own keys that name Object.prototype's members (as JSON.parse makes it). */
const PROTOTYPE_OBJECT = '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"toString":1}';

/** JSON objects (and a list of one) that String() cannot print: "Cannot convert object to primitive value". */
const UNPRINTABLE = [
  '{"toString":1}',
  '{"toString":{},"valueOf":{}}',
  '[{"toString":null}]',
  '{"valueOf":1,"toString":"x"}',
];

const ODD_DATES = [
  '2026-02-30',
  '20261120',
  '2026/11/20 9:0:0',
  '',
  ' ',
  '2026-11-20T09:00:00.000Z',
  '2026-11-20T09:00:00',
  '2026-11-20 24:00:00',
  '2026-11-20 09:00:60',
  '2026-11-20 09:00',
  '2026-11-20 09:00:00.1234',
  '0000-00-00 00:00:00',
  '9999-12-31 00:00:00',
  '9999-12-31 23:59:59',
  '1799-12-31',
  '1800-01-01',
  '2099-01-01',
  '2026-1-2',
  '２０２６-11-20',
  ' 2026-11-20 ',
  '2026-11-20\t09:00:00',
  '20261120093000',
  '2026112009300',
  '2026-11-20 09:00:00 ',
  '2024-02-29',
  '2100-02-29',
  '1970-01-01 00:00:00',
  'null',
  '--',
  '2026-11-20 09:00:00\u0000',
];

const ODD_NUMBER_TEXTS = [
  '1e400',
  '-1e400',
  '-0',
  '12.345.6',
  '0x10',
  '1,5',
  '１２',
  ' 3 ',
  '+5',
  '.5',
  '5.',
  'Infinity',
  '-Infinity',
  'NaN',
  '1e15',
  '1e16',
  '-1e15',
  '1000000000000001',
  '999999999999999.99',
  '0b1',
  '٣',
  '12.50',
  '-1.5',
  '00012',
  '1_000',
  '1e-400',
  '0.000000001',
  '123456789012345678901234567890',
];

const RAW_NUMBERS = [
  '1e400',
  '-1e400',
  '-0',
  '1E-400',
  '0.1e1',
  '123456789012345678901234567890',
  '1e15',
  '1e16',
  '-1e15',
  '-1e16',
  '0.000001',
  '2.5',
  '-3',
];

const ODD_STRINGS = [
  '',
  ' ',
  '\u3000',
  '\u00a0',
  '\ufeff',
  '\t\r\n',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '\u0000',
  '\u2028\u2029',
  '\u202e反向',
  '\ud800',
  '\udfff',
  'a\ud83d',
  '😷💊🏥',
  '𠀀𪚥',
  'e\u0301\u0301\u0301',
  '鿿',
  '<script>alert(1)</script>',
  "'; DROP TABLE tasks; --",
  '%s%n%x',
  '../../etc/passwd',
  'C:\\Windows\\System32',
  '\\u0000',
  '"',
  '\\',
  ...PROTOTYPE_NAMES,
];

/** How a code or id can be sent: padded (CHAR(30) columns), full width, lower case, with invisible characters. */
export type TextChange = 'pad' | 'padFullWidth' | 'fullWidth' | 'lower' | 'zeroWidth' | 'tab' | 'nbsp' | 'repeat';

function fullWidth(s: string): string {
  return s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}

function changeText(s: string, how: TextChange): string {
  switch (how) {
    case 'pad':
      return `  ${s}   `;
    case 'padFullWidth':
      return `\u3000${s}\u3000`;
    case 'fullWidth':
      return fullWidth(s);
    case 'lower':
      return s.toLowerCase();
    case 'zeroWidth':
      return `\u200b${s.slice(0, 3)}\u200d${s.slice(3)}\ufeff`;
    case 'tab':
      return `\t${s}\r\n`;
    case 'nbsp':
      return `${s}\u00a0`;
    case 'repeat':
      return s.repeat(40);
  }
}

/** A value to put somewhere in an envelope: JSON values, and the two markers above for what JSON.stringify can't. */
export type FuzzValue = unknown;

const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('x', '药', '𠀀', '0', ' '), fc.integer({ min: 1_000, max: 40_000 }))
  .map(([unit, n]) => unit.repeat(n));

/** Any odd value a field may be given. */
export const fuzzValue: fc.Arbitrary<FuzzValue> = fc.oneof(
  { arbitrary: fc.constantFrom<FuzzValue>(null, true, false, 0, -1, 1, 2, 3, 10, 0.5, -0.01), weight: 3 },
  { arbitrary: fc.constantFrom(...ODD_STRINGS), weight: 4 },
  { arbitrary: fc.constantFrom(...ODD_NUMBER_TEXTS), weight: 4 },
  { arbitrary: fc.constantFrom(...RAW_NUMBERS).map((t) => new RawNumber(t)), weight: 3 },
  { arbitrary: fc.constantFrom(...ODD_DATES), weight: 4 },
  { arbitrary: fc.integer({ min: 19000101, max: 20991231 }), weight: 1 },
  { arbitrary: fc.double({ noNaN: true }), weight: 1 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }), weight: 1 },
  { arbitrary: hugeString, weight: 1 },
  {
    arbitrary: fc.constantFrom<FuzzValue>(
      {},
      [],
      [[]],
      [{}],
      [null],
      [''],
      ['1', '2'],
      [1, 5],
      { a: 1 },
      { rx_id: 'X' },
      JSON.parse(PROTOTYPE_OBJECT),
      [JSON.parse(PROTOTYPE_OBJECT)],
    ),
    weight: 3,
  },
  // Objects whose String() throws (no callable toString or valueOf), where code may print a value it did not check.
  { arbitrary: fc.constantFrom<FuzzValue>(...UNPRINTABLE.map((t) => JSON.parse(t))), weight: 2 },
  // At most 600 deep: the differential test compares trees with toEqual, whose recursion overflowed a vitest worker's
  // stack on a 2,459-deep array now and then (the product code is not recursive there; the sidecar's HTTP fuzz test
  // sends bodies nested 200,000 deep).
  {
    arbitrary: fc
      .tuple(fc.constantFrom<'array' | 'object'>('array', 'object'), fc.integer({ min: 2, max: 600 }))
      .map(([kind, depth]) => new Nested(kind, depth)),
    weight: 1,
  },
  {
    arbitrary: fc.dictionary(fc.constantFrom(...PROTOTYPE_NAMES, 'a', 'rx_id', 'data'), fc.constantFrom(1, 'x', null)),
    weight: 1,
  },
);

/**
 * A value of another JSON type than a field's own, each type about as likely: what a HIS whose column mapping is
 * wrong sends in that column.
 */
export const typeSwap: fc.Arbitrary<FuzzValue> = fc.oneof(
  fc.oneof(
    fc.integer({ min: -5, max: 20_261_120 }),
    fc.constantFrom(...RAW_NUMBERS).map((t) => new RawNumber(t)),
  ),
  fc.constantFrom(...ODD_NUMBER_TEXTS),
  fc.boolean(),
  fc.constantFrom<FuzzValue>(null, '', ' '),
  fc.constantFrom<FuzzValue>(...UNPRINTABLE.map((t) => JSON.parse(t)), JSON.parse(PROTOTYPE_OBJECT), {}, { a: 1 }),
  fc.constantFrom<FuzzValue>([], [''], ['1'], [1, 5], [{}], [[]]),
  fc.constantFrom(...ODD_STRINGS, ...ODD_DATES),
);

// ---------------------------------------------------------------------------------------------------------------
// Mutations

/** The interface's field names at each level (3101-3103.md §1–4), whether prealert reads them or not. */
export const SPEC_FIELDS = {
  envelope: ['infno', 'msgid', 'mdtrtarea_admvs', 'insuplc_admdvs', 'recer_sys_code', 'infver', 'opter', 'inf_time'],
  data: ['syscode', 'task_id', 'trig_scen', 'rule_ids', 'patient_dtos'],
  patient: ['patn_id', 'patn_name', 'gend', 'brdy', 'poolarea', 'curr_mdtrt_id', 'fsi_encounter_dtos'],
  encounter: [
    'mdtrt_id',
    'medins_id',
    'medins_name',
    'medins_type',
    'medins_lv',
    'adm_date',
    'dscg_date',
    'dscg_main_dise_codg',
    'dscg_main_dise_name',
    'fsi_diagnose_dtos',
    'dr_codg',
    'adm_dept_codg',
    'adm_dept_name',
    'dscg_dept_codg',
    'dscg_dept_name',
    'med_mdtrt_type',
    'med_type',
    'fsi_order_dtos',
    'matn_stas',
    'medfee_sumamt',
    'setl_totlnum',
    'insutype',
    'fsi_operation_dtos',
  ],
  order: [
    'rx_id',
    'rxno',
    'grpno',
    'long_drord_flag',
    'hilist_type',
    'chrg_type',
    'hilist_code',
    'hilist_name',
    'hilist_lv',
    'hilist_pric',
    'hosplist_code',
    'hosplist_name',
    'cnt',
    'pric',
    'sumamt',
    'ownpay_amt',
    'selfpay_amt',
    'spec',
    'spec_unt',
    'drord_begn_date',
    'drord_stop_date',
    'drord_dept_codg',
    'drord_dept_name',
    'drord_dr_codg',
    'drord_dr_name',
    'drord_dr_profttl',
    'curr_drord_flag',
  ],
  diagnose: ['dise_id', 'inout_dise_type', 'maindise_flag', 'dise_codg', 'dise_name', 'dise_date'],
  feedback: ['warn_type', 'warns', 'warn_rslt_id', 'dspo_way', 'dspo_way_rea'],
};

/** Field names a mutation may add or set on any object: the interface's own, provincial extras, prototype names. */
const FIELD_NAMES = [
  ...new Set([
    ...Object.values(SPEC_FIELDS).flat(),
    'data',
    'input',
    'fsi_his_data_dto',
    'cvlserv_flag',
    'dise_cgy',
    'TarItemID',
    'patientDtos',
    ...PROTOTYPE_NAMES,
  ]),
];

/** The level of an object, told by the keys it still has. */
export type Level = keyof typeof SPEC_FIELDS;
const LEVELS = Object.keys(SPEC_FIELDS) as Level[];

function levelOf(o: Json): Level | undefined {
  if ('rx_id' in o || 'hilist_code' in o || 'cnt' in o) return 'order';
  if ('dise_codg' in o || 'dise_id' in o) return 'diagnose';
  if ('mdtrt_id' in o || 'fsi_order_dtos' in o) return 'encounter';
  if ('patn_id' in o || 'fsi_encounter_dtos' in o) return 'patient';
  if ('patient_dtos' in o || 'syscode' in o) return 'data';
  if ('warn_rslt_id' in o || 'warns' in o || 'dspo_way' in o) return 'feedback';
  if ('infno' in o || 'msgid' in o) return 'envelope';
  return undefined;
}

export type Mutation =
  /** One field of the interface, on every object of its level, set to a value of another type. */
  | { op: 'retype'; level: Level; field: number; value: FuzzValue }
  /** Removes the node at the chosen path. */
  | { op: 'drop'; at: number }
  /** Replaces the node at the chosen path. */
  | { op: 'set'; at: number; value: FuzzValue }
  /** Sets (adds) one to three named fields on the chosen object. */
  | { op: 'setField'; at: number; fields: [string, FuzzValue][] }
  /** x → [x]: an array where a value or object was. */
  | { op: 'wrap'; at: number }
  /** [x, …] → x: a single object where the spec says 集合, as some vendors send it. */
  | { op: 'unwrap'; at: number }
  /** "" or null where a list was. */
  | { op: 'emptyList'; at: number; as: '' | null | '[]' }
  /** Appends a copy of one of the array's elements (two order lines, one rx_id). */
  | { op: 'duplicate'; at: number; which: number }
  /** Gives the chosen order line the rx_id of another. */
  | { op: 'shareRxId'; at: number; from: number }
  /** A padded, full-width, lower-case… form of the chosen string. */
  | { op: 'text'; at: number; how: TextChange };

const position = fc.nat({ max: 1_000_000 });

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('retype' as const),
      level: fc.constantFrom(...LEVELS),
      field: fc.nat({ max: 1000 }),
      value: typeSwap,
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ op: fc.constant('drop' as const), at: position }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('set' as const), at: position, value: fuzzValue }), weight: 8 },
  {
    arbitrary: fc.record({
      op: fc.constant('setField' as const),
      at: position,
      fields: fc.array(fc.tuple(fc.constantFrom(...FIELD_NAMES), fuzzValue), { minLength: 1, maxLength: 3 }),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ op: fc.constant('wrap' as const), at: position }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('unwrap' as const), at: position }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant('emptyList' as const),
      at: position,
      as: fc.constantFrom<'' | null | '[]'>('', null, '[]'),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: position, which: position }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('shareRxId' as const), at: position, from: position }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant('text' as const),
      at: position,
      how: fc.constantFrom<TextChange>(
        'pad',
        'padFullWidth',
        'fullWidth',
        'lower',
        'zeroWidth',
        'tab',
        'nbsp',
        'repeat',
      ),
    }),
    weight: 3,
  },
);

export interface Plan {
  /** Index into the bases the arbitrary was made with. */
  base: number;
  mutations: Mutation[];
}

/** Plans over `baseCount` base envelopes: 1–`maxMutations` mutations each. */
export function plans(baseCount: number, maxMutations = 6): fc.Arbitrary<Plan> {
  return fc.record({
    base: fc.nat({ max: baseCount - 1 }),
    mutations: fc.array(mutation, { minLength: 1, maxLength: maxMutations }),
  });
}

function isObject(v: unknown): v is Json {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RawNumber) && !(v instanceof Nested)
  );
}

/** Every path under `root` (root excluded), depth first; markers and strings are leaves. */
function pathsOf(root: unknown, limit = 20_000): Path[] {
  const out: Path[] = [];
  const walk = (node: unknown, path: Path) => {
    if (out.length >= limit) return;
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        out.push([...path, i]);
        walk(child, [...path, i]);
      });
    } else if (isObject(node)) {
      for (const key of Object.keys(node)) {
        out.push([...path, key]);
        walk(node[key], [...path, key]);
      }
    }
  };
  walk(root, []);
  return out;
}

function get(root: unknown, path: Path): unknown {
  let node = root;
  for (const step of path) node = (node as Json)[step as string];
  return node;
}

/** An own data property, even for "__proto__" (an assignment would set the prototype instead). */
function define(holder: Json, key: string, value: unknown): void {
  Object.defineProperty(holder, key, { value, enumerable: true, writable: true, configurable: true });
}

function setAt(root: unknown, path: Path, value: unknown): void {
  const parent = get(root, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) parent[last as number] = value;
  else define(parent as Json, last as string, value);
}

function removeAt(root: unknown, path: Path): void {
  const parent = get(root, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete (parent as Json)[last as string];
}

function pick<T>(list: readonly T[], at: number): T | undefined {
  return list.length === 0 ? undefined : list[at % list.length];
}

/** Copies a value, keeping the markers (they are immutable) and own "__proto__" keys. */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (isObject(value)) {
    const out: Json = {};
    for (const key of Object.keys(value)) define(out, key, copy(value[key]));
    return out as T;
  }
  return value;
}

/** Applies one mutation in place to `root` (whose own paths only are touched: the root itself stays). */
export function applyMutation(root: Json, m: Mutation): void {
  const paths = pathsOf(root);
  switch (m.op) {
    case 'retype': {
      const fields = SPEC_FIELDS[m.level];
      const field = fields[m.field % fields.length]!;
      // The objects first: setting a field may replace a subtree the later paths run through.
      const targets = paths.map((p) => get(root, p)).filter((o): o is Json => isObject(o) && levelOf(o) === m.level);
      for (const o of targets) define(o, field, copy(m.value));
      return;
    }
    case 'drop': {
      const path = pick(paths, m.at);
      if (path) removeAt(root, path);
      return;
    }
    case 'set': {
      const path = pick(paths, m.at);
      if (path) setAt(root, path, copy(m.value));
      return;
    }
    case 'setField': {
      const objects: Path[] = [[], ...paths.filter((p) => isObject(get(root, p)))];
      const holder = get(root, pick(objects, m.at)!) as Json;
      for (const [key, value] of m.fields) define(holder, key, copy(value));
      return;
    }
    case 'wrap': {
      const path = pick(paths, m.at);
      if (path) setAt(root, path, [get(root, path)]);
      return;
    }
    case 'unwrap': {
      const arrays = paths.filter((p) => {
        const v = get(root, p);
        return Array.isArray(v) && v.length > 0;
      });
      const path = pick(arrays, m.at);
      if (path) setAt(root, path, (get(root, path) as unknown[])[0]);
      return;
    }
    case 'emptyList': {
      const arrays = paths.filter((p) => Array.isArray(get(root, p)));
      const path = pick(arrays, m.at);
      if (path) setAt(root, path, m.as === '[]' ? [] : m.as);
      return;
    }
    case 'duplicate': {
      const arrays = paths.filter((p) => {
        const v = get(root, p);
        return Array.isArray(v) && v.length > 0;
      });
      const path = pick(arrays, m.at);
      if (!path) return;
      const list = get(root, path) as unknown[];
      list.push(copy(list[m.which % list.length]));
      return;
    }
    case 'shareRxId': {
      const orders = paths.filter((p) => {
        const v = get(root, p);
        return isObject(v) && 'rx_id' in v;
      });
      const to = pick(orders, m.at);
      const from = pick(orders, m.from);
      if (to && from) define(get(root, to) as Json, 'rx_id', copy((get(root, from) as Json).rx_id));
      return;
    }
    case 'text': {
      const strings = paths.filter((p) => typeof get(root, p) === 'string' && (get(root, p) as string) !== '');
      const path = pick(strings, m.at);
      if (path) setAt(root, path, changeText(get(root, path) as string, m.how));
      return;
    }
  }
}

/** `base` (not changed) with the plan's mutations applied, each to what the one before left. */
export function mutate(base: Json, mutations: readonly Mutation[]): Json {
  const root = copy(base);
  for (const m of mutations) applyMutation(root, m);
  return root;
}

/** JSON text of a tree holding RawNumber/Nested markers and own "__proto__" keys. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (value instanceof Nested) {
    return value.kind === 'array'
      ? `${'['.repeat(value.depth)}${']'.repeat(value.depth)}`
      : `${'{"a":'.repeat(value.depth)}1${'}'.repeat(value.depth)}`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : toJsonText(v))).join(',')}]`;
  if (isObject(value)) {
    const parts: string[] = [];
    for (const key of Object.keys(value)) {
      if (value[key] === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${toJsonText(value[key])}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Fields a sparse HIS still fills: ids, codes, dates and flags the evaluation needs. */
const FILLED_WHEN_SPARSE = new Set([
  'infno',
  'input',
  'data',
  'trig_scen',
  'patient_dtos',
  'patn_id',
  'gend',
  'brdy',
  'curr_mdtrt_id',
  'fsi_encounter_dtos',
  'mdtrt_id',
  'adm_date',
  'med_type',
  'med_mdtrt_type',
  'insutype',
  'dscg_main_dise_codg',
  'fsi_diagnose_dtos',
  'fsi_order_dtos',
  'fsi_operation_dtos',
  'dise_codg',
  'rx_id',
  'hilist_code',
  'hilist_type',
  'cnt',
  'pric',
  'drord_begn_date',
  'long_drord_flag',
  'curr_drord_flag',
  'warns',
  'warn_type',
  'warn_rslt_id',
  'dspo_way',
  'dspo_way_rea',
]);

/**
 * A HIS that fills only the columns it must (3101-3103.md: 实际多传 ""): every other string field of the envelope
 * sent as "". Names, departments and doctors are then blank, so whatever stands in for them is read.
 */
export function sparse<T>(envelope: T): T {
  const root = copy(envelope);
  for (const path of pathsOf(root)) {
    const key = path[path.length - 1];
    if (typeof key === 'string' && !FILLED_WHEN_SPARSE.has(key) && typeof get(root, path) === 'string') {
      setAt(root, path, '');
    }
  }
  return root;
}
