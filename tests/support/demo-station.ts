import type { Page } from 'playwright-core';

/** What these helpers use of <prealert-reminder> on the demo station's page. */
type Reminder = HTMLElement & {
  currentResults: readonly { jr_id: string; rule_name: string }[];
  decide(jrId: string, disposition: 'continue' | 'modify', reason?: string): string | undefined;
};

/** Answers the warnings of these rules 继续执行 with the reason (as the host's own buttons would). */
export function continueRules(page: Page, rules: string[], reason: string): Promise<string[]> {
  return page.evaluate(
    ({ rules, reason }) => {
      const el = document.querySelector('prealert-reminder') as Reminder;
      return el.currentResults
        .filter((r) => rules.includes(r.rule_name))
        .map((r) => el.decide(r.jr_id, 'continue', reason) ?? 'ok');
    },
    { rules, reason },
  );
}

/** Clicks 保存医嘱 and returns what the station says. */
export async function save(page: Page): Promise<string> {
  await page.locator('#save').click();
  return (await page.locator('#save-msg').textContent()) ?? '';
}
