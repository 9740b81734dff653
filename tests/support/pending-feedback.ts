import type { Page } from 'playwright-core';

/**
 * The widget's queued 3103s (`pendingFeedback` of the page's `<prealert-reminder>`): answers not yet acknowledged by
 * the sidecar. A test reads the sidecar's records only once the count is 0, or it races the widget's own delivery.
 */
type Reminder = HTMLElement & { pendingFeedback: number };

/**
 * Resolves once the page's `<prealert-reminder>` holds no undelivered 3103 (the element is waited for too). Without
 * `timeoutMs`, Playwright's default timeout for the page applies.
 */
export async function feedbackDrained(page: Page, timeoutMs?: number): Promise<void> {
  await page.waitForFunction(
    () => (document.querySelector('prealert-reminder') as Reminder | null)?.pendingFeedback === 0,
    null,
    timeoutMs === undefined ? {} : { timeout: timeoutMs },
  );
}

/** The page's `<prealert-reminder>`'s count of undelivered 3103s now. */
export function pendingFeedbackOf(page: Page): Promise<number> {
  return page.evaluate(() => (document.querySelector('prealert-reminder') as Reminder).pendingFeedback);
}
