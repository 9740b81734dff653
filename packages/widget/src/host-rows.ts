/**
 * The host page's order rows as the element sees them: finding the row of an rx_id (`rowResolver`, else the
 * `row-selector` template) and marking the rows the warnings shown name. Apart from the element because it acts on
 * the host's page, not on the panel; RowHighlighter only sets the marks, row-lookup.ts only finds and focuses.
 */
import { RowHighlighter, type RowResolver } from './row-highlighter';
import { queryRow } from './row-lookup';
import type { HighlightEventDetail, JudgeResultDto } from './types';

/** What the rows need of the element: where to look, and the resolver the host may have set. */
export interface HostRowsOwner {
  readonly isConnected: boolean;
  getAttribute(name: string): string | null;
  getRootNode(): Node;
  /** The host's own resolver (the element's `rowResolver` property), read each time as the host may set it late. */
  readonly rowResolver: RowResolver | undefined;
}

export class HostRows {
  private readonly highlighter: RowHighlighter;

  constructor(private readonly owner: HostRowsOwner) {
    this.highlighter = new RowHighlighter((rxId) => this.findRow(rxId));
  }

  findRow(rxId: string): Element | null {
    if (this.owner.rowResolver) return this.owner.rowResolver(rxId);
    const template = this.owner.getAttribute('row-selector') ?? '[data-rx-id="{rx_id}"]';
    return queryRow(this.owner.getRootNode() as Document | ShadowRoot, template, rxId);
  }

  /**
   * Marks the lines of `results` by their most severe warning (and those only involved), and the active warning's
   * lines. Returns what prealert-highlight tells the host, or undefined when detached (nothing marked).
   */
  refreshHighlights(
    results: readonly JudgeResultDto[],
    activeJrId: string | undefined,
  ): HighlightEventDetail | undefined {
    if (!this.owner.isConnected) return undefined;
    const severityByLine = new Map<string, '1' | '2' | '3'>();
    const involved = new Set<string>();
    for (const result of results) {
      for (const detail of result.judge_result_detail_dtos) {
        if (!detail.rx_id) continue;
        if (detail.vola_item_type === '2') {
          involved.add(detail.rx_id);
          continue;
        }
        const current = severityByLine.get(detail.rx_id);
        if (!current || Number(result.sev_deg) < Number(current)) severityByLine.set(detail.rx_id, result.sev_deg);
      }
    }
    const active = new Set<string>();
    const activeResult = results.find((r) => r.jr_id === activeJrId);
    for (const detail of activeResult?.judge_result_detail_dtos ?? []) if (detail.rx_id) active.add(detail.rx_id);
    this.highlighter.apply(severityByLine, involved, active);
    const detail: HighlightEventDetail = {
      severityByLine: Object.fromEntries(severityByLine),
      activeRxIds: [...active],
    };
    return detail;
  }

  /** Takes every mark off the host's rows (the element left the page). */
  clear(): void {
    this.highlighter.clear();
  }
}
