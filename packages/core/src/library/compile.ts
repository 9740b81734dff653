import { parseLocalTime } from '../normalize/dates';
import { sceneMask } from '../normalize/scenes';
import { CodeIndex, type CodeLookup, codeHashOf } from './code-index';
import type { CodeTable } from './code-table';
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
  ) {
    this.ruleCount = rulesById.size;
    this.codeCount = byCode.size;
    this.ruleLevel = [...rulesById.values()]
      .filter((r) => r.enabled && RULE_LEVEL_KINDS.has(r.kind))
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

  rules(): readonly Rule[] {
    return [...this.rulesById.values()];
  }
}

function pointEntry(kp: KnowledgePoint, rule: Rule, scenes: number): PointEntry {
  return {
    kp,
    rule,
    scenes,
    fromDay: kp.effectiveFrom ? (parseLocalTime(kp.effectiveFrom)?.day ?? -Infinity) : -Infinity,
    toDay: kp.effectiveTo ? (parseLocalTime(kp.effectiveTo)?.day ?? Infinity) : Infinity,
  };
}

/**
 * Builds a CompiledLibrary from points added in any number of slices, so a caller (library activation in the
 * sidecar) can yield to requests between slices instead of holding the event loop for a 200,000-point compile.
 * The result is the same as compileLibrary over all points in the order they were added.
 */
export class CompiledLibraryBuilder {
  private readonly rulesById = new Map<string, Rule>();
  private readonly byCode = new CodeIndex();
  private readonly sceneMasks = new Map<Rule, number>();
  private count = 0;
  private finished = false;

  constructor(
    private readonly meta: LibraryMeta,
    rules: readonly Rule[],
  ) {
    for (const rule of rules) {
      this.rulesById.set(rule.id, rule);
      this.sceneMasks.set(rule, sceneMask(rule.scenes));
    }
  }

  /** Adds points; throws naming the point when it refers to a rule the library does not have. */
  add(points: readonly KnowledgePoint[]): void {
    if (this.finished) throw new Error('CompiledLibraryBuilder: add after finish');
    const byCode = this.byCode;
    for (const kp of points) {
      const rule = this.rulesById.get(kp.ruleId);
      if (!rule) throw new Error(`knowledge point ${kp.id} names unknown rule ${kp.ruleId}`);
      const entry = pointEntry(kp, rule, this.sceneMasks.get(rule)!);
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
    return new CompiledLibrary(this.meta, this.rulesById, this.byCode, this.count);
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
): CompiledLibrary {
  const rulesById = new Map<string, Rule>();
  const sceneMasks = new Map<Rule, number>();
  for (const rule of rules) {
    rulesById.set(rule.id, rule);
    sceneMasks.set(rule, sceneMask(rule.scenes));
  }
  const index = new LazyCodeIndex(table, pointCount, (point) => {
    const kp = pointAt(point);
    const rule = rulesById.get(kp.ruleId);
    if (!rule) throw new Error(`knowledge point ${kp.id} names unknown rule ${kp.ruleId}`);
    return pointEntry(kp, rule, sceneMasks.get(rule)!);
  });
  return new CompiledLibrary(meta, rulesById, index, pointCount);
}
