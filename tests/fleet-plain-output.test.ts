/**
 * `prealert push` and `prealert rollback --hosts` as a roll-out script runs them, with the built CLI against a real
 * sidecar on loopback: redirected (a pipe) or with NO_COLOR on a terminal, their output holds no escape codes and no
 * progress bar, only the table and a plain line per host; on a terminal without NO_COLOR they still colour and draw.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_FILES, tempDir, V1 } from '../sidecar/test/sync-support';
import { CLI, freePort, prealert, type SidecarProcess, startSidecar } from './sync-process';

const TOKEN = 'plain-output-admin-token-0123456789';
const ESC = '\u001b';
/** The bar's characters (cli-progress shades_classic). */
const BAR = /[░█]/;
const work = tempDir('fleet-plain-output');
let sidecar: SidecarProcess;
let bundle: string;
let hostsFile: string;
let host: string;
let deadHost: string;

/**
 * The environment in which cli-table3's colour library would colour (a named terminal, no CI, no FORCE_COLOR), so
 * only our own rule (a terminal, no NO_COLOR) decides.
 */
function colourableEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...extra };
  for (const key of ['CI', 'FORCE_COLOR', 'NO_COLOR', 'PREALERT_ADMIN_TOKEN']) if (!(key in extra)) delete env[key];
  return env;
}

/** The CLI with stdout and stderr piped, as `prealert push … > rollout.log 2>&1` or a scheduled task runs it. */
function piped(args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], { env: colourableEnv(), encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The CLI on a pseudo-terminal (util-linux script): stdout and stderr both the terminal, read back as one text. */
function onTerminal(args: string[], noColour: boolean): string {
  const quoted = [process.execPath, CLI, ...args].map((arg) => `'${arg}'`).join(' ');
  const run = spawnSync(
    'script',
    [
      '-qec',
      `env -u CI -u FORCE_COLOR -u NO_COLOR TERM=xterm-256color ${noColour ? 'NO_COLOR=1 ' : ''}${quoted}`,
      '/dev/null',
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  return run.stdout;
}

function rowOf(table: string, name: string): string {
  const row = table.split('\n').find((line) => line.includes(name));
  if (!row) throw new Error(`no row for ${name} in\n${table}`);
  return row;
}

beforeAll(async () => {
  const keys = path.join(work, 'keys');
  bundle = path.join(work, 'v1');
  const built = [
    prealert(['keygen', '--out', keys]),
    prealert([
      'bundle',
      'build',
      '--source',
      ...BATCH_FILES,
      '--version',
      V1,
      '--key',
      path.join(keys, 'prealert-bundle.key'),
      '--out',
      bundle,
    ]),
  ];
  for (const run of built) if (run.code !== 0) throw new Error(run.stderr);
  sidecar = await startSidecar({
    dataDir: path.join(work, 'ws'),
    env: { PREALERT_ADMIN_TOKEN: TOKEN, PREALERT_SYNC_PUBKEY: path.join(keys, 'prealert-bundle.pub') },
  });
  host = sidecar.url.replace('http://', '');
  deadHost = `127.0.0.1:${await freePort()}`;
  hostsFile = path.join(work, 'hosts.txt');
  fs.writeFileSync(hostsFile, `${host}\n${deadHost}\n`);
}, 180_000);

afterAll(async () => {
  await sidecar?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('prealert push and rollback --hosts', () => {
  it('write no escape codes and no progress bar into a pipe: the table, and a plain line per host', () => {
    const push = piped(['push', '--bundle', bundle, '--hosts', hostsFile, '--token', TOKEN, '--concurrency', '1']);
    expect(push.code).toBe(1);
    expect(push.stdout + push.stderr).not.toContain(ESC);
    expect(push.stderr).not.toMatch(BAR);
    expect(push.stderr.trim().split('\n')).toEqual([
      `push ${V1} to ${host}: ok, 1/2 hosts, failed 0`,
      `push ${V1} to ${deadHost}: failed, 2/2 hosts, failed 1`,
    ]);
    expect(rowOf(push.stdout, host)).toMatch(/full.*│ ok/);
    expect(rowOf(push.stdout, deadHost)).toMatch(/not running/);
    expect(push.stdout).toContain(`1/2 hosts run ${V1}`);

    const rollback = piped(['rollback', '--hosts', hostsFile, '--token', TOKEN]);
    expect(rollback.code).toBe(1);
    expect(rollback.stdout + rollback.stderr).not.toContain(ESC);
    expect(rowOf(rollback.stdout, host)).toMatch(new RegExp(`${V1.replace(/[.+]/g, '\\$&')} .*rolled back`));
    expect(rowOf(rollback.stdout, deadHost)).toMatch(/not running/);
    expect(rollback.stdout).toContain('1/2 hosts rolled back');
  }, 120_000);

  it('write no escape codes and no progress bar on a terminal with NO_COLOR, and colour without it', () => {
    const push = (noColour: boolean) =>
      onTerminal(['push', '--bundle', bundle, '--hosts', hostsFile, '--token', TOKEN, '--concurrency', '1'], noColour);
    const plain = push(true);
    // The host's own row may now be a refusal (the rollback above held V1 back): only the output's form is checked.
    expect(plain).toMatch(/\d\/2 hosts run /);
    expect(plain).toMatch(new RegExp(`push .* to ${deadHost}: failed, 2/2 hosts, failed \\d`));
    expect(plain).not.toContain(ESC);
    expect(plain).not.toMatch(BAR);
    // The same command on the same terminal without NO_COLOR: the check above can see colour and a bar.
    const coloured = push(false);
    expect(coloured).toContain(ESC);
    expect(coloured).toMatch(BAR);

    const rollback = (noColour: boolean) => onTerminal(['rollback', '--hosts', hostsFile, '--token', TOKEN], noColour);
    const plainRollback = rollback(true);
    expect(plainRollback).toContain('hosts rolled back');
    expect(plainRollback).not.toContain(ESC);
    expect(rollback(false)).toContain(ESC);
  }, 120_000);
});
