/**
 * PREALERT_WIDGET_DIST is read as the other path settings are: `~/` is the account's home (HOME), where IT put a
 * copy of the widget build; it was taken as a folder named `~` under the current one and the reminder page got no
 * script. A real sidecar on loopback serving a real widget build copied under a temporary home.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { resolveWidgetDist } from '../src/ui/reminder-ui';
import { testServer } from './helpers/test-server';

const saved = { HOME: process.env.HOME, PREALERT_WIDGET_DIST: process.env.PREALERT_WIDGET_DIST };
const servers: SidecarServer[] = [];
const folders: string[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

async function asset(widgetDist: string, file: string): Promise<Response> {
  process.env.PREALERT_WIDGET_DIST = widgetDist;
  const server = await testServer();
  servers.push(server);
  const { port } = await server.listen();
  return fetch(`http://127.0.0.1:${port}/ui/assets/${file}`);
}

describe('PREALERT_WIDGET_DIST', () => {
  it('starting with ~/ is under the home of the account prealert runs as', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-widget-home-'));
    folders.push(home);
    fs.cpSync(resolveWidgetDist(), path.join(home, 'prealert widget'), { recursive: true });
    process.env.HOME = home;
    const response = await asset('~/prealert widget', 'reminder-page.global.js');
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(
      fs.readFileSync(path.join(resolveWidgetDist(), 'reminder-page.global.js')),
    );
  });

  it("naming another account's home is refused naming the setting", async () => {
    const response = await asset('~someone/widget', 'reminder-page.global.js');
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /^reminder UI unavailable: PREALERT_WIDGET_DIST: "~someone\/widget" starts with ~ and a name/,
    );
  });
});
