// A HIS started without HOME (a systemd unit, a supervisor, a kiosk launcher on a UOS/Kylin self-service terminal) or
// with an empty one (`env HOME=` in a wrapper script): the sidecar took the account's passwd home for its data dir,
// the shim gave up on the per-user dir and tried 17311, so a sidecar on any other port or with a token was never
// found, and the shim's log did not say where it had looked. With an empty HOME the sidecar's data dir was even
// relative (`.local/share/prealert` under the folder it was started from). Both now take the passwd home, as here:
// the real sidecar and the example HIS as root, in a private mount namespace whose /root is an empty tmpfs
// (support/mount-namespace.ts), so the machine's own /root is never touched.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShim } from './support/build-once';
import { MountNamespace } from './support/mount-namespace';
import { LINUX_DIR, SIDECAR_CLI } from './support/paths';
import { type WatchedSidecar, watchSidecar } from './support/sidecar-process';

const HOME_DATA_DIR = '/root/.local/share/prealert';
/** Where the sidecar and the HIS are started: a relative data dir would land under it. */
const START_DIR = '/root/started-here';
const TOKEN = 'home-unset-token-3b8e61d2f0';
const HIS = path.join(LINUX_DIR, 'his_desktop');

const skipReason = MountNamespace.whyUnavailable();
let ns: MountNamespace;
let logDir: string;

/** The environment of a process started with `home` as HOME (undefined: not set at all). */
function environment(home: string | undefined, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(home === undefined ? {} : { HOME: home }), ...extra };
}

async function startSidecar(home: string | undefined): Promise<WatchedSidecar> {
  const child: ChildProcess = spawn(
    'nsenter',
    ns.command(process.execPath, [SIDECAR_CLI, 'serve'], undefined, START_DIR),
    {
      env: environment(home, { PREALERT_PORT: '0', PREALERT_SHIM_TOKEN: TOKEN, PREALERT_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return watchSidecar(child, ns.inside(path.join(HOME_DATA_DIR, 'port')), {
    stopTimeoutMs: 10_000,
    failure: `sidecar with HOME ${JSON.stringify(home)} wrote no port file in ${HOME_DATA_DIR}`,
  });
}

function runHis(home: string | undefined, log: string) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn('nsenter', ns.command(HIS, ['--decision', 'revise'], undefined, START_DIR), {
      env: environment(home, { PREALERT_SHIM_LOG: log }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', () => resolve(stdout));
  });
}

/** 3101 answers this sidecar recorded: a HIS that reached another one on 17311 adds none. */
async function reminders(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/stats`);
  return ((await response.json()) as { totals: { reminders: number } }).totals.reminders;
}

beforeAll(async () => {
  if (skipReason) return;
  buildShim();
  ns = await MountNamespace.open(['/root'], `mkdir ${START_DIR}`);
  logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-home-unset-'));
}, 180_000);

afterAll(() => {
  ns?.close();
  if (logDir) fs.rmSync(logDir, { recursive: true, force: true });
});

describe('HOME unset or empty: the sidecar and the shim agree on the passwd home', () => {
  for (const [label, home] of [
    ['unset', undefined],
    ['empty', ''],
  ] as const) {
    it(`HOME ${label}: the sidecar keeps its data under the passwd home, and the HIS finds it there`, async (ctx) => {
      if (skipReason) return ctx.skip(skipReason);
      const sidecar = await startSidecar(home);
      try {
        const log = path.join(logDir, `his-${label}.log`);
        const stdout = await runHis(home, log);
        expect(stdout, sidecar.output()).toContain('3101 rc=0 infcode=0');
        expect(stdout).toContain('GZ10000301004000 药品区分性别使用');
        expect(await reminders(sidecar.port)).toBeGreaterThan(0);
        expect(fs.readFileSync(log, 'utf8')).toMatch(/ config .* dir="\/root\/\.local\/share\/prealert" user_dir=/);
        // Never a data dir relative to the folder it was started from.
        expect(fs.readdirSync(ns.inside(START_DIR))).toEqual([]);
      } finally {
        await sidecar.stop();
      }
    }, 180_000);
  }
});
