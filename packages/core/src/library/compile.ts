import { parseLocalTime } from '../normalize/dates';
import { sceneMask } from '../normalize/scenes';
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
  readonly meta: LibraryMeta;
  readonly ruleCount: number;
  readonly knowledgePointCount: number;
  readonly codeCount: number;
  /** Rules decided per prescription/encounter rather than per code (data_quality, …), enabled ones only. */
  readonly ruleLevel: readonly CompiledRule[];
  private readonly byCode: Map<string, PointEntry | PointEntry[]>;
  private readonly rulesById: Map<string, Rule>;

  constructor(data: LibraryData) {
    this.meta = data.meta;
    this.rulesById = new Map();
    for (const rule of data.rules) this.rulesById.set(rule.id, rule);
    this.ruleCount = data.rules.length;
    this.knowledgePointCount = data.knowledgePoints.length;
    this.ruleLevel = data.rules
      .filter((r) => r.enabled && RULE_LEVEL_KINDS.has(r.kind))
      .map((rule) => ({ rule, scenes: sceneMask(rule.scenes) }));
    const byCode = new Map<string, PointEntry | PointEntry[]>();
    for (const kp of data.knowledgePoints) {
      const rule = this.rulesById.get(kp.ruleId);
      if (!rule) throw new Error(`knowledge point ${kp.id} names unknown rule ${kp.ruleId}`);
      const entry: PointEntry = {
        kp,
        rule,
        scenes: sceneMask(rule.scenes),
        fromDay: kp.effectiveFrom ? (parseLocalTime(kp.effectiveFrom)?.day ?? -Infinity) : -Infinity,
        toDay: kp.effectiveTo ? (parseLocalTime(kp.effectiveTo)?.day ?? Infinity) : Infinity,
      };
      // One entry per point, shared by all its codes: the index costs one Map slot per code, not an object.
      for (const code of kp.codes) {
        const existing = byCode.get(code);
        if (existing === undefined) byCode.set(code, entry);
        else if (Array.isArray(existing)) {
          if (!existing.includes(entry)) existing.push(entry);
        } else if (existing !== entry) byCode.set(code, [existing, entry]);
      }
    }
    this.byCode = byCode;
    this.codeCount = byCode.size;
  }

  /** The points naming a national code: undefined, one entry, or several. */
  lookup(code: string): PointEntry | PointEntry[] | undefined {
    return this.byCode.get(code);
  }

  rule(id: string): Rule | undefined {
    return this.rulesById.get(id);
  }

  rules(): readonly Rule[] {
    return [...this.rulesById.values()];
  }
}

export function compileLibrary(data: LibraryData): CompiledLibrary {
  return new CompiledLibrary(data);
}
