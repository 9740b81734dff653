/**
 * What hospital IT sees of a running sidecar, through the built CLI as a real process over real HTTP: the build it
 * runs, metrics for what /v1/status warns about, where its files are, a provincial gateway that is down, and
 * start-up failures said in one line.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../src/store/database';
import { analysisEnvelope } from './fixtures/his-requests';
import { type FakeGateway, startFakeGateway } from './helpers/fake-gateway';
import { CLI, post, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';
import { until } from './helpers/until';

const PACKAGE_VERSION = (
  JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
/** The build's identity: the version, then its commit and day or a BUILD_ID (the version alone outside a checkout). */
const BUILD = new RegExp(`^${PACKAGE_VERSION.replaceAll('.', '\\.')}(\\+[0-9A-Za-z.-]+)?$`);
const ADMIN_TOKEN = 'operator-visibility-admin-token';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-observe-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** `node dist/cli.js <args>` to its end: exit code and both streams. */
function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

async function getJson<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}
async function getText(url: string): Promise<string> {
  return (await fetch(url)).text();
}

interface Status {
  software: { version: string; build: string; node: string };
  where: { data_dir: string; config_file: string | null; log: string; listening: { port: number } | null };
  upstream: {
    configured: boolean;
    up: boolean | null;
    consecutive_failures: number;
    last_failure_reason: string | null;
    last_ok_at: string | null;
    answers_without_gateway: number;
  };
}

describe('the build a workstation runs', () => {
  it('prealert --version and -V print the build: the package version, then its commit (tests/build-identity.test.ts)', async () => {
    for (const flag of ['--version', '-V']) {
      const run = await runCli([flag]);
      expect(run.code).toBe(0);
      // The build alone on the first line (scripts read it); the records schema the build writes on the second.
      const [first, second, ...rest] = run.out.trim().split('\n');
      expect(first).toMatch(BUILD);
      expect(second).toBe(`records schema ${SCHEMA_VERSION}`);
      expect(rest).toEqual([]);
    }
    // A command's own --version (the library version of `bundle build`) stays the command's.
    const build = await runCli(['bundle', 'build', '--version', 'v-x']);
    expect(build.out).not.toContain(PACKAGE_VERSION);
    expect(build.err).toContain('--source');
  });
});

describe('a running sidecar with a down provincial gateway', () => {
  let gateway: FakeGateway;
  let down = true;
  let sidecar: RunningSidecar;
  let dataDir: string;

  beforeAll(async () => {
    gateway = await startFakeGateway<Record<string, unknown>>((_body, res: http.ServerResponse) => {
      res.setHeader('content-type', 'application/json');
      if (down) {
        res.statusCode = 502;
        res.end('bad gateway');
        return;
      }
      res.end(JSON.stringify({ infcode: 0, err_msg: '', output: { result: [] } }));
    });
    dataDir = tempDir();
    // Mode 0644, as an editor leaves it: the admin token in it is readable by every account.
    fs.writeFileSync(
      path.join(dataDir, 'prealert.config.json'),
      JSON.stringify({ adminToken: ADMIN_TOKEN, upstream: { url: gateway.url, timeoutMs: 2000 } }),
      { mode: 0o644 },
    );
    fs.chmodSync(path.join(dataDir, 'prealert.config.json'), 0o644);
    sidecar = await spawnSidecar(dataDir);
  }, 40_000);
  afterAll(async () => {
    await sidecar?.stop();
    await gateway?.close();
  });

  it('says its build, where its files are and where it listens in /v1/status, and its build in /metrics', async () => {
    const status = await getJson<Status>(`${sidecar.url}/v1/status`);
    expect(status.software).toEqual({
      version: PACKAGE_VERSION,
      build: expect.stringMatching(BUILD),
      node: process.version,
    });
    expect(status.where.data_dir).toBe(dataDir);
    expect(status.where.config_file).toBe(path.join(dataDir, 'prealert.config.json'));
    expect(status.where.log).toBe('stdout');
    expect(status.where.listening?.port).toBe(sidecar.port);
    const metrics = await getText(`${sidecar.url}/metrics`);
    expect(metrics).toContain(
      `prealert_build_info{version="${PACKAGE_VERSION}",build="${status.software.build}",node="${process.version}"} 1`,
    );
  });

  it('exports what /v1/status warns about as metrics', async () => {
    const metrics = await getText(`${sidecar.url}/metrics`);
    expect(metrics).toMatch(/^prealert_sync_stale [01]$/m);
    expect(metrics).toMatch(/^prealert_sync_last_ok_timestamp_seconds \d/m);
    expect(metrics).toMatch(/^prealert_sync_consecutive_failures 0$/m);
    expect(metrics).toMatch(/^prealert_records_dropped_total 0$/m);
    expect(metrics).toMatch(/^prealert_analysis_restarts_total 0$/m);
    expect(metrics).toMatch(/^prealert_analysis_lost_total 0$/m);
    expect(metrics).toMatch(/^prealert_storage_on_request_thread\{part="records"\} 0$/m);
    expect(metrics).toMatch(/^prealert_storage_on_request_thread\{part="figures"\} 0$/m);
  });

  it('warns once about the config file others may read, naming it', async () => {
    await until(() => sidecar.output().includes('others may read it'));
    const warnings = sidecar
      .output()
      .split('\n')
      .filter((line) => line.includes('others may read it'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(path.join(dataDir, 'prealert.config.json'));
  });

  it('shows the gateway down in status and metrics, logs it once, and once more when it recovers', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await post<{ output: { truncated?: boolean } }>(
        `${sidecar.url}/fsi/api/rsfComIfsService/callService`,
        analysisEnvelope({ encounterId: `MZ-DOWN-${i}` }),
      );
      expect(answer.output.truncated).toBe(true);
    }
    const failing = await getJson<Status>(`${sidecar.url}/v1/status`);
    expect(failing.upstream).toMatchObject({
      configured: true,
      up: false,
      consecutive_failures: 3,
      last_failure_reason: 'http_error',
      last_ok_at: null,
      answers_without_gateway: 3,
    });
    const metrics = await getText(`${sidecar.url}/metrics`);
    expect(metrics).toMatch(/^prealert_upstream_up 0$/m);
    expect(metrics).toMatch(/^prealert_upstream_failures_total\{reason="http_error"\} 3$/m);
    const failLines = () =>
      sidecar
        .output()
        .split('\n')
        .filter((line) => line.includes('upstream gateway'));
    // Log lines go out in blocks (at most LOG_FLUSH_MS later).
    await until(() => failLines().some((line) => line.includes('forwarding fails')));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(failLines().filter((line) => line.includes('forwarding fails'))).toHaveLength(1);
    // The per-call detail is at debug level, below the default.
    expect(failLines().filter((line) => line.includes('answer not used'))).toHaveLength(0);

    down = false;
    await post(`${sidecar.url}/fsi/api/rsfComIfsService/callService`, analysisEnvelope({ encounterId: 'MZ-UP-1' }));
    await post(`${sidecar.url}/fsi/api/rsfComIfsService/callService`, analysisEnvelope({ encounterId: 'MZ-UP-2' }));
    const recovered = await getJson<Status>(`${sidecar.url}/v1/status`);
    expect(recovered.upstream).toMatchObject({ up: true, consecutive_failures: 0 });
    expect(recovered.upstream.last_ok_at).not.toBeNull();
    expect(await getText(`${sidecar.url}/metrics`)).toMatch(/^prealert_upstream_up 1$/m);
    await until(() => failLines().some((line) => line.includes('answers again')));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(failLines().filter((line) => line.includes('answers again'))).toHaveLength(1);
  }, 30_000);

  it('fleet status shows the build, no colour codes into a file, and a refused push by its true reason', async () => {
    const pushed = await fetch(`${sidecar.url}/v1/admin/bundle`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/x-ndjson' },
      body: '{"signed":{"version":"v-test"}}\n',
    });
    expect(pushed.status).toBe(403);
    const hosts = path.join(tempDir(), 'hosts.txt');
    fs.writeFileSync(hosts, `127.0.0.1:${sidecar.port}\n`);
    // stdout is a pipe here, as `fleet status > file` makes it.
    const run = await runCli(['fleet', 'status', '--hosts', hosts], { NO_COLOR: '', FORCE_COLOR: '' });
    expect(run.out).toContain(PACKAGE_VERSION);
    expect(run.out).not.toContain('\u001b[');
    expect(run.out).not.toContain('unreadable manifest');
    expect(run.out).toContain('push is disabled: no trusted key');
  }, 30_000);
});

describe('start-up failures said in one line', () => {
  it('a log.file in a folder that cannot be created: one line naming it, and no database made', async () => {
    const dataDir = tempDir();
    const blocker = path.join(tempDir(), 'not-a-folder');
    fs.writeFileSync(blocker, '');
    fs.writeFileSync(
      path.join(dataDir, 'prealert.config.json'),
      JSON.stringify({ log: { file: path.join(blocker, 'sub', 'p.log') } }),
    );
    const run = await runCli(['serve', '--port', '0', '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(run.err.trim().split('\n')).toHaveLength(1);
    expect(run.err).toContain(`log.file ${path.join(blocker, 'sub', 'p.log')}`);
    expect(run.err).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(dataDir, 'prealert.sqlite'))).toBe(false);
  }, 40_000);

  it('a damaged database: names the file and says to move it aside, and keeps it', async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'prealert.sqlite');
    fs.writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const run = await runCli(['serve', '--port', '0', '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(run.err).toContain(file);
    expect(run.err).toContain('move it aside');
    expect(fs.readFileSync(file).subarray(0, 16)).toEqual(Buffer.alloc(16, 0x5a));
  }, 40_000);

  it('an empty PREALERT_PORT is named as a mistake, not taken as the default port', async () => {
    const run = await runCli(['serve', '--data-dir', tempDir()], { PREALERT_PORT: '' });
    expect(run.code).toBe(1);
    expect(run.err).toContain('PREALERT_PORT is set but empty');
  }, 40_000);
});
