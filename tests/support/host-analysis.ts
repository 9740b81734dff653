import type { AnalysisInput } from '@prealert/core';
import type { Page } from 'playwright-core';

export interface Shown {
  rules: string[];
  jrIds: Record<string, string>;
  /** The answer's jr_ids in its order (jrIds keeps one per rule). */
  shownJrIds: string[];
  /** 3103s queued right after show(): the ones the widget sent for the doctor. */
  pendingAfterShow: number;
}

export interface HostOptions {
  /** show()'s `wholePrescriptions`; unset, the element's attribute decides. */
  wholePrescriptions?: boolean;
}

/**
 * The host's re-analysis as the widget README has it: its 3101 through the widget's callService, the answer shown
 * with its request and `truncated`. `timeoutMs` is callService's (a test whose gateway hangs needs more).
 */
export function analyse(page: Page, input: AnalysisInput, host: HostOptions = {}, timeoutMs = 5000): Promise<Shown> {
  return page.evaluate(
    async ({ analysed, host, timeoutMs }) => {
      type Result = { jr_id: string; rule_name: string };
      type Outcome = { kind: string; body?: { output?: { result?: Result[]; truncated?: boolean } } };
      type Reminder = HTMLElement & {
        pendingFeedback: number;
        show(results: readonly Result[], options: Record<string, unknown>): void;
      };
      const lib = (window as unknown as { PrealertWidget: { callService: (...args: unknown[]) => Promise<Outcome> } })
        .PrealertWidget;
      const el = document.querySelector('prealert-reminder') as Reminder;
      const sidecarUrl = el.getAttribute('sidecar');
      const outcome = await lib.callService('3101', analysed, { sidecar: sidecarUrl, timeoutMs });
      if (outcome.kind !== 'ok') throw new Error(`3101 ${outcome.kind}`);
      const results = outcome.body?.output?.result ?? [];
      el.show(results, {
        infno: '3101',
        taskId: analysed.data.task_id,
        request: analysed,
        truncated: outcome.body?.output?.truncated === true,
        ...host,
      });
      return {
        rules: results.map((r) => r.rule_name).sort(),
        jrIds: Object.fromEntries(results.map((r) => [r.rule_name, r.jr_id])),
        shownJrIds: results.map((r) => r.jr_id),
        pendingAfterShow: el.pendingFeedback,
      };
    },
    { analysed: input, host, timeoutMs },
  );
}
