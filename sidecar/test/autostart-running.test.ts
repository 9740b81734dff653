/**
 * `prealert autostart status` asks the sidecar the entry would start whether it runs: the built CLI as a child
 * process with a home of its own, against real sidecars (ephemeral ports, temporary data dirs), a port nothing
 * listens on, another program's HTTP server, and a copy of this build's dist that says it is another build (an old
 * process still up after the tree was upgraded in place). Exit 0 / 1 / 3 as `status --help` says.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RefusingPort, refusingLoopbackPort } from './helpers/free-port';
import { assertBuilt, CLI, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';

const DIST = path.dirname(CLI);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-autostart-running-'));
const copies: string[] = [];
const sidecars: RunningSidecar[] = [];
const heldPorts: RefusingPort[] = [];
let homes = 0;

beforeAll(() => assertBuilt());
afterEach(async () => {
  for (const sidecar of sidecars.splice(0)) await sidecar.stop();
  for (const held of heldPorts.splice(0)) await held.release();
});
afterAll(() => {
  for (const copy of copies) fs.rmSync(copy, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The built CLI's `autostart …` with a home of its own and no PREALERT_* variable: asynchronously, so a server in
 * this test process keeps answering while it runs.
 */
function prealert(args: string[], home: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.XDG_CONFIG_HOME;
  for (const name of Object.keys(env)) if (name.startsWith('PREALERT_')) delete env[name];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'autostart', ...args],
      { env, cwd: work, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** A home with the entry installed for these serve options; its status's first line is the file's. */
async function homeWithEntry(serveOptions: string[]): Promise<{ home: string; file: string }> {
  homes += 1;
  const home = path.join(work, `home ${homes} 王医生`);
  fs.mkdirSync(home);
  const installed = await prealert(['install', ...serveOptions], home);
  expect(installed.code, installed.stderr).toBe(0);
  return { home, file: path.join(home, '.config', 'autostart', 'prealert.desktop') };
}

async function statusOf(url: string): Promise<{ software: { build: string }; library: { version: string } | null }> {
  return (await (await fetch(`${url}/v1/status`)).json()) as {
    software: { build: string };
    library: { version: string } | null;
  };
}

async function start(name: string, cli?: string): Promise<RunningSidecar> {
  const sidecar = await spawnSidecar(path.join(work, name), [], {}, cli);
  sidecars.push(sidecar);
  return sidecar;
}

/** This build's dist copied beside it (its packages still resolve), saying it is another build: an older install. */
function otherBuild(thisBuild: string, claimed: string): string {
  const copy = fs.mkdtempSync(path.join(DIST, '..', '.dist-autostart-other-build-'));
  copies.push(copy);
  fs.cpSync(DIST, copy, { recursive: true });
  let replaced = 0;
  for (const name of fs.readdirSync(copy).filter((n) => n.endsWith('.js'))) {
    const file = path.join(copy, name);
    const text = fs.readFileSync(file, 'utf8');
    if (!text.includes(JSON.stringify(thisBuild))) continue;
    fs.writeFileSync(file, text.split(JSON.stringify(thisBuild)).join(JSON.stringify(claimed)));
    replaced += 1;
  }
  expect(replaced).toBeGreaterThan(0);
  return path.join(copy, 'cli.js');
}

describe.skipIf(process.platform === 'win32')('prealert autostart status asks the sidecar the entry starts', () => {
  it('exit 0 with its build, data dir and library while it runs; exit 3 once it is stopped (no port file)', async () => {
    const sidecar = await start('数据 running');
    const { software, library } = await statusOf(sidecar.url);
    const { home, file } = await homeWithEntry(['--data-dir', sidecar.dataDir, '--port', '0']);

    const running = await prealert(['status'], home);
    expect(running.stderr).toBe('');
    expect(running.stdout.split('\n')).toEqual([
      `installed and current: ${file} starts serve --data-dir ${sidecar.dataDir} --port 0 with this build (${CLI})`,
      `running: prealert ${software.build} answers on 127.0.0.1:${sidecar.port}, data dir ${sidecar.dataDir}, library ${library?.version ?? 'none loaded'}`,
      '',
    ]);
    expect(running.code).toBe(0);

    // Stopped (or crashed and its port file gone): the entry is fine, the doctor gets no reminders.
    expect(await sidecar.stop()).toBe(0);
    const stopped = await prealert(['status'], home);
    expect(stopped.stdout.split('\n')[1]).toBe(
      `not running: ${path.join(sidecar.dataDir, 'port')} does not exist (the entry listens on any free port and writes it there when it runs): it crashed, was stopped or has not started since install (no logon yet); log off and on, or run the entry`,
    );
    expect(stopped.code).toBe(3);
  }, 60_000);

  it('exit 3 when nothing listens on the fixed port, or a port file left by a crash names a dead port', async () => {
    // Held for the whole test: a port only freed could be taken meanwhile, and something would answer there.
    const held = await refusingLoopbackPort();
    heldPorts.push(held);
    const { port } = held;
    const dataDir = path.join(work, 'data fixed');
    const fixed = await homeWithEntry(['--data-dir', dataDir, '--port', String(port)]);
    const nothing = await prealert(['status'], fixed.home);
    expect(nothing.stdout.split('\n')[1]).toBe(
      `not running: nothing answers on 127.0.0.1:${port}: it crashed, was stopped or has not started since install (no logon yet); log off and on, or run the entry`,
    );
    expect(nothing.code).toBe(3);

    const crashed = path.join(work, 'data crashed');
    fs.mkdirSync(crashed);
    fs.writeFileSync(path.join(crashed, 'port'), `${port}\n`);
    const anyPort = await homeWithEntry(['--data-dir', crashed, '--port', '0']);
    const stale = await prealert(['status'], anyPort.home);
    expect(stale.stdout.split('\n')[1]).toBe(
      `not running: nothing answers on 127.0.0.1:${port}: it crashed, was stopped or has not started since install (no logon yet); log off and on, or run the entry`,
    );
    expect(stale.code).toBe(3);
  }, 60_000);

  it('exit 3 and one line naming the file when the config the entry names cannot be read, as serve would refuse it', async () => {
    const config = path.join(work, 'broken config.json');
    fs.writeFileSync(config, '{"port": 17311');
    const { home } = await homeWithEntry([
      '--data-dir',
      path.join(work, 'data broken'),
      '--config',
      config,
      '--port',
      '0',
    ]);
    const result = await prealert(['status'], home);
    expect(result.stdout.split('\n')[1]).toMatch(
      new RegExp(
        `^not checked: cannot tell where the entry's sidecar listens: config file ${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON`,
      ),
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(3);
  }, 60_000);

  it('exit 3 when another program answers on the port', async () => {
    const server = http.createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const { home } = await homeWithEntry(['--data-dir', path.join(work, 'data foreign'), '--port', String(port)]);
      const result = await prealert(['status'], home);
      expect(result.stdout.split('\n')[1]).toBe(
        `not prealert: something answers on 127.0.0.1:${port} that is not prealert (HTTP 404 to /v1/status): the entry's sidecar cannot listen there; stop that program or install with another --port`,
      );
      expect(result.code).toBe(3);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);

  it('exit 3 when a prealert on another data dir holds the port', async () => {
    const sidecar = await start('data other');
    const wanted = path.join(work, 'data wanted');
    const { home } = await homeWithEntry(['--data-dir', wanted, '--port', String(sidecar.port)]);
    const result = await prealert(['status'], home);
    expect(result.stdout.split('\n')[1]).toBe(
      `other data dir: prealert on 127.0.0.1:${sidecar.port} uses ${sidecar.dataDir}, not ${wanted} as the entry would: stop it and run the entry, or install with the --data-dir it should use`,
    );
    expect(result.code).toBe(3);
  }, 60_000);

  it('exit 3 when an older build still runs after the tree was upgraded in place; exit 1 for a stale entry', async () => {
    // `prealert --version`'s first line is the build alone (operator-visibility.test.ts).
    const thisBuild = execFileSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
    const claimed = '0.0.9+0000000.20260101';
    const old = await start('data old build', otherBuild(thisBuild, claimed));
    expect((await statusOf(old.url)).software.build).toBe(claimed);
    const { home, file } = await homeWithEntry(['--data-dir', old.dataDir, '--port', '0']);
    const result = await prealert(['status'], home);
    expect(result.stdout.split('\n')[1]).toBe(
      `other build running: prealert ${claimed} answers on 127.0.0.1:${old.port}, not this build (${thisBuild}): restart it: log off and on, or stop it and run the entry`,
    );
    expect(result.code).toBe(3);

    // The entry naming the old tree: installing again comes first (exit 1), and the probe still says what runs.
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(
      file,
      text.replace(`${CLI} serve`, `${path.join(path.dirname(old.dataDir), 'gone', 'cli.js')} serve`),
    );
    const stale = await prealert(['status'], home);
    expect(stale.stdout.split('\n')[0]).toMatch(/^stale: /);
    expect(stale.stdout.split('\n')[1]).toMatch(/^other build running: prealert 0\.0\.9\+0000000\.20260101 answers/);
    expect(stale.code).toBe(1);
  }, 90_000);
});
