import { parseLocalTime } from '../normalize/dates';
import { sceneMask } from '../normalize/scenes';
import { CodeIndex, type CodeLookup, codeHashOf } from './code-index';
import type { CodeTable } from './code-table';
import { countCoverage, emptyCoverage, type LibraryCoverage } from './coverage';
import { LazyCodeIndex } from './lazy-code-index';
import { type KnowledgePoint, type LibraryData, type LibraryMeta, RULE_LEVEL_KINDS, type Rule } from './model';

/** A knowledge point joined with its rule, as the evaluator meets it through the code index. */
export interface PointEntry {
  kp: KnowledgePoint;
  rule: Rule;
  /** trig_scen bit mask of the rule. */
  scenes: number;
  /** Effective range as day numbers (inclusive); ±Infinity when open. */
  fromDay: number;
  toDay: number;
  /** The rule's place in its library (0 … ruleCount-1): the evaluator keeps per-request facts of rules by it. */
  ruleSlot: number;
  /**
   * Scratch for the evaluator, which is synchronous: the patient whose lines this point matched last (a number the
   * evaluator draws per patient) and the place of that match in its list. Saves a Map per request.
   */
  matchStamp: number;
  matchIndex: number;
  /**
   * The jr_id hash lanes after this point's library version, rule and point id (see jr-id.ts), computed by the
   * first result of the point: every later one hashes only its encounter and lines.
   */
  jrPrefix: { a: number; b: number; c: number } | undefined;
}

/** A drug a library's points name: its national code and the point's item name. */
export interface ClassDrug {
  code: string;
  name: string;
}

export interface CompiledRule {
  rule: Rule;
  scenes: number;
}

/**
 * The library as the evaluator reads it: one Map from national code to the points that name it, built once when a
 * library is activated, so a request costs one lookup per order line whatever the size of the library.
 */
export class CompiledLibrary {
  readonly ruleCount: number;
  readonly codeCount: number;
  /** Rules decided per prescription/encounter rather than per code (data_quality, …), enabled ones only. */
  readonly ruleLevel: readonly CompiledRule[];

  /** Use compileLibrary or CompiledLibraryBuilder. */
  constructor(
    readonly meta: LibraryMeta,
    private readonly rulesById: ReadonlyMap<string, Rule>,
    private readonly byCode: CodeLookup,
    readonly knowledgePointCount: number,
    /** What its points can check, counted when it was read (/v1/status library.coverage). */
    readonly coverage: LibraryCoverage,
  ) {
    this.ruleCount = rulesById.size;
    this.codeCount = byCode.size;
    // Disabled rules stay listed: whether one runs is decided per request (runs(), run-state.ts), where a
    // workstation's override can switch on a rule its library ships switched off.
    this.ruleLevel = [...rulesById.values()]
      .filter((r) => RULE_LEVEL_KINDS.has(r.kind))
      .map((rule) => ({ rule, scenes: sceneMask(rule.scenes) }));
  }

  /** The points naming a national code: undefined, one entry, or several. */
  lookup(code: string): PointEntry | PointEntry[] | undefined {
    return this.byCode.getHashed(code, codeHashOf(code));
  }

  /** lookup() for an order line, whose code was hashed once when it was read (Line.codeHash). */
  lookupHashed(code: string, hash: number): PointEntry | PointEntry[] | undefined {
    return this.byCode.getHashed(code, hash);
  }

  rule(id: string): Rule | undefined {
    return this.rulesById.get(id);
  }

  private readonly drugsByClass = new Map<string, readonly ClassDrug[]>();

  /**
   * The drugs the library's points name under an ATC prefix (a class 「A02BC」 or a group 「R03」): each national code
   * of a western drug (X + ATC …) with the item name of its first point, by code. Read once per prefix and library,
   * so a reminder can give examples of a class from the library itself: the national data has no ATC name table.
   */
  drugsOfClass(atcPrefix: string): readonly ClassDrug[] {
    let drugs = this.drugsByClass.get(atcPrefix);
    if (drugs === undefined) {
      const found: ClassDrug[] = [];
      for (const code of this.byCode.codesStartingWith(`X${atcPrefix}`).sort()) {
        const points = this.lookup(code);
        const first = Array.isArray(points) ? points[0] : points;
        const name = first?.kp.itemName.trim();
        if (name) found.push({ code, name });
      }
      drugs = found;
      this.drugsByClass.set(atcPrefix, drugs);
    }
    return drugs;
  }

  rules(): readonly Rule[] {
    return [...this.rulesById.values()];
  }
}

/** A library's rules by id, with each rule's slot (its place in the order given) and trig_scen mask. */
class RuleTable {
  readonly byId = new Map<string, Rule>();
  private readonly slots = new Map<Rule, { slot: number; scenes: number }>();

  constructor(rules: readonly Rule[]) {
    for (const rule of rules) {
      const known = this.byId.get(rule.id);
      if (known) this.slots.delete(known);
      this.byId.set(rule.id, rule);
    }
    let slot = 0;
    for (const rule of this.byId.values()) this.slots.set(rule, { slot: slot++, scenes: sceneMask(rule.scenes) });
  }

  /** The entry of `kp`; throws naming the point when its rule is not in the library. */
  entry(kp: KnowledgePoint): PointEntry {
    const rule = this.byId.get(kp.ruleId);
    if (!rule) throw new Error(`knowledge point ${kp.id} names unknown rule ${kp.ruleId}`);
    const { slot, scenes } = this.slots.get(rule)!;
    return {
      kp,
      rule,
      scenes,
      fromDay: kp.effectiveFrom ? (parseLocalTime(kp.effectiveFrom)?.day ?? -Infinity) : -Infinity,
      toDay: kp.effectiveTo ? (parseLocalTime(kp.effectiveTo)?.day ?? Infinity) : Infinity,
      ruleSlot: slot,
      matchStamp: 0,
      matchIndex: 0,
      jrPrefix: undefined,
    };
  }
}

/**
 * Builds a CompiledLibrary from points added in any number of slices, so a caller (library activation in the
 * sidecar) can yield to requests between slices instead of holding the event loop for a 200,000-point compile.
 * The result is the same as compileLibrary over all points in the order they were added.
 */
export class CompiledLibraryBuilder {
  private readonly rules: RuleTable;
  private readonly byCode = new CodeIndex();
  private count = 0;
  private readonly coverage = emptyCoverage();
  private finished = false;

  constructor(
    private readonly meta: LibraryMeta,
    rules: readonly Rule[],
  ) {
    this.rules = new RuleTable(rules);
  }

  /** Adds points; throws naming the point when it refers to a rule the library does not have. */
  add(points: readonly KnowledgePoint[]): void {
    if (this.finished) throw new Error('CompiledLibraryBuilder: add after finish');
    const byCode = this.byCode;
    for (const kp of points) {
      const entry = this.rules.entry(kp);
      countCoverage(this.coverage, kp);
      // One entry per point, shared by all its codes: the index costs one Map slot per code, not an object.
      for (const code of kp.codes) {
        const existing = byCode.get(code);
        if (existing === undefined) byCode.set(code, entry);
        else if (Array.isArray(existing)) {
          if (!existing.includes(entry)) existing.push(entry);
        } else if (existing !== entry) byCode.set(code, [existing, entry]);
      }
    }
    this.count += points.length;
  }

  finish(): CompiledLibrary {
    this.finished = true;
    return new CompiledLibrary(this.meta, this.rules.byId, this.byCode, this.count, this.coverage);
  }
}

export function compileLibrary(data: LibraryData): CompiledLibrary {
  const builder = new CompiledLibraryBuilder(data.meta, data.rules);
  builder.add(data.knowledgePoints);
  return builder.finish();
}

/**
 * A CompiledLibrary over a CodeTable (built where the library was read, typically a worker thread) whose points are
 * decoded on first use by `pointAt`. Evaluates exactly as compileLibrary over the same points; the caller vouches
 * that every point names one of `rules` (checked when the table was built), and `pointAt` throws if one does not.
 */
export function lazyLibrary(
  meta: LibraryMeta,
  rules: readonly Rule[],
  table: CodeTable,
  pointCount: number,
  pointAt: (point: number) => KnowledgePoint,
  coverage: LibraryCoverage,
): CompiledLibrary {
  const ruleTable = new RuleTable(rules);
  const index = new LazyCodeIndex(table, pointCount, (point) => ruleTable.entry(pointAt(point)));
  return new CompiledLibrary(meta, ruleTable.byId, index, pointCount, coverage);
}
