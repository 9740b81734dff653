/** The bar's badges counting the warnings shown by severity (明确违规 2 · 轻度可疑 1), most severe first. */
import { setChildren } from './dom';
import { SEVERITY_LABELS } from './labels';
import type { JudgeResultDto } from './types';

export function renderSeverityBadges(container: HTMLElement, results: readonly JudgeResultDto[], doc: Document): void {
  const counts: Record<string, number> = { '1': 0, '2': 0, '3': 0 };
  for (const result of results) counts[result.sev_deg] = (counts[result.sev_deg] ?? 0) + 1;
  const badges = (['1', '2', '3'] as const)
    .filter((sev) => (counts[sev] ?? 0) > 0)
    .map((sev) => {
      const badge = doc.createElement('span');
      badge.className = `count sev-${sev}`;
      badge.textContent = `${SEVERITY_LABELS[sev]} ${counts[sev]}`;
      return badge;
    });
  setChildren(container, badges);
}
