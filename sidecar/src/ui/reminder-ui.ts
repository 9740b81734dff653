import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { pathSetting } from '../config';
import { REMINDER_PAGE_HTML } from './reminder-page-html';

export interface ReminderUiOptions {
  /** The built widget (packages/widget/dist). Default: PREALERT_WIDGET_DIST, else resolved from @prealert/widget. */
  widgetDistDir?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};
// Only flat file names the widget build produces; anything else (.., slashes, dotfiles) is a 404.
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.(?:js|map|css)$/;

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'",
};

export function resolveWidgetDist(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@prealert/widget/package.json')), 'dist');
}

/**
 * PREALERT_WIDGET_DIST read as the other path settings are (config/path-setting.ts): `~/` is the account's home, as
 * in PREALERT_DATA_DIR; it was taken as a folder named `~` under the current one, and the reminder page had no
 * script. A relative path is against the current folder, as before. `~name` or no home: the asset route's 503 names
 * the setting.
 */
function widgetDistSetting(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.PREALERT_WIDGET_DIST;
  // Empty (a template's blank) is unset, as an empty PREALERT_DATA_DIR is.
  return value === undefined || value === ''
    ? undefined
    : pathSetting(value, process.cwd(), 'PREALERT_WIDGET_DIST', env);
}

/**
 * GET /ui/reminder/:task_id — the reminder as a page, for desktop HIS that open a URL in an embedded browser
 * instead of rendering warnings themselves. The page uses the same <prealert-reminder> bundle as B/S
 * doctor stations and answers through the national 3103 route, so a decision made here is recorded exactly
 * like one a HIS sends. GET /ui/assets/:file serves that bundle.
 */
export const reminderUi: FastifyPluginAsync<ReminderUiOptions> = async (app, options) => {
  let distDir: string | undefined;
  let distError: string | undefined;
  try {
    distDir = options.widgetDistDir ?? widgetDistSetting(process.env) ?? resolveWidgetDist();
  } catch (error) {
    distError = (error as Error).message;
  }
  const cache = new Map<string, Buffer>();

  app.get('/ui/reminder/:task_id', async (_request, reply) => reply.headers(PAGE_HEADERS).send(REMINDER_PAGE_HTML));

  app.get<{ Params: { file: string } }>('/ui/assets/:file', async (request, reply) => {
    const { file } = request.params;
    if (!ASSET_NAME.test(file)) return reply.code(404).send({ error: `no asset "${file}"` });
    if (!distDir) return reply.code(503).send({ error: `reminder UI unavailable: ${distError ?? 'widget not found'}` });
    let body = cache.get(file);
    if (!body) {
      try {
        body = await fs.readFile(path.join(distDir, file));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          const hint =
            file.startsWith('reminder-page') || file.startsWith('index') ? ' (is @prealert/widget built?)' : '';
          return reply.code(404).send({ error: `no asset "${file}"${hint}` });
        }
        throw error;
      }
      cache.set(file, body);
    }
    return reply
      .header('content-type', CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(body);
  });
};
