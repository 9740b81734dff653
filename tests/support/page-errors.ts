import type { BrowserContext, WebError } from 'playwright-core';

/**
 * Every uncaught error of any page of `context` from now on, until stop(). On the context, not on a page: a popup's
 * Page exists only once it is open, and a listener attached then misses what its script threw while starting.
 */
export function collectPageErrors(context: BrowserContext): { errors: string[]; stop(): void } {
  const errors: string[] = [];
  const onError = (webError: WebError) => {
    const where = webError.page()?.url() ?? 'no page';
    errors.push(`${where}: ${webError.error().message}`);
  };
  context.on('weberror', onError);
  return { errors, stop: () => context.off('weberror', onError) };
}
