/**
 * The packed @prealert/client as a HIS vendor installs it on a hospital intranet: the tarball `pnpm pack` writes
 * (packages/client/README.md, Install), installed with npm into an empty project while no registry can be reached,
 * then required and imported from that project and used for one real 3101 against the real sidecar on loopback.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSidecar, startSidecar } from '../examples/web-his/sidecar-process.mjs';
import { demoRequest } from './support/demo-request';

const repoRoot = path.resolve(import.meta.dirname, '..');
const packageDir = path.join(repoRoot, 'packages/client');
const sidecarCli = path.join(repoRoot, 'sidecar', 'dist', 'cli.js');
const isWindows = process.platform === 'win32';

let work = '';
let tarball = '';
let consumer = '';
let install: { status: number | null; output: string } = { status: null, output: '' };
let sidecar: RunningSidecar | undefined;

/** The parent's npm_config_* (npx, pnpm set them) must not leak a cache or registry into the offline install. */
function envWithoutNpmConfig(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^npm_config_/i.test(name)) env[name] = value;
  return env;
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(packageDir, 'dist/index.cjs')))
    throw new Error('packages/client/dist missing: run `pnpm build`');
  if (!fs.existsSync(sidecarCli)) throw new Error('sidecar/dist/cli.js missing: run `pnpm build` first');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-tarball-'));
  const packDir = path.join(work, 'pack');
  execFileSync('pnpm', ['--filter', '@prealert/client', 'pack', '--pack-destination', packDir], {
    cwd: repoRoot,
    stdio: 'pipe',
    shell: isWindows,
  });
  const packed = fs.readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  expect(packed).toHaveLength(1);
  tarball = path.join(packDir, packed[0]!);

  consumer = path.join(work, 'his-project');
  fs.mkdirSync(consumer);
  fs.writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({ name: 'his-project', version: '1.0.0', private: true }),
  );
  // No registry: --offline with an empty cache may fetch nothing, and the registry named is a closed port, so
  // an npm that ignored --offline could not reach one either. An empty userconfig keeps a machine's .npmrc out.
  const cache = path.join(work, 'empty-npm-cache');
  const userconfig = path.join(work, 'empty-npmrc');
  fs.mkdirSync(cache);
  fs.writeFileSync(userconfig, '');
  const npm = spawnSync(
    'npm',
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--cache',
      cache,
      '--registry',
      'http://127.0.0.1:9/',
      '--userconfig',
      userconfig,
      tarball,
    ],
    { cwd: consumer, encoding: 'utf8', env: envWithoutNpmConfig(), shell: isWindows, timeout: 60_000 },
  );
  install = { status: npm.status, output: `${npm.stdout}\n${npm.stderr}` };

  sidecar = await startSidecar({
    cli: sidecarCli,
    port: '0',
    dataDir: path.join(work, 'sidecar-data'),
    corsOrigins: [],
  });
}, 120_000);

afterAll(async () => {
  await sidecar?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** One 3101 from the HIS project's own file, printing what a HIS would read off the answer. */
const CALL = `
  const request = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
  const client = new PrealertClient({ baseUrl: process.argv[2], envelope: { fixmedins_code: 'H11010500001' } });
  client.analyze(request).then(async (answer) => {
    await client.close();
    const rules = answer.results.map((r) => r.rule_name).sort();
    const lines = [...warningsByLine(answer.results).keys()].sort();
    console.log(JSON.stringify({ status: answer.status, failOpen: answer.failOpen, taskId: answer.taskId, rules, lines }));
  });
`;

function callFromConsumer(file: string, source: string, taskId: string): unknown {
  const requestFile = path.join(work, `${taskId}.json`);
  // Real national codes: 他达拉非片 (male only) for a female patient, 葡萄糖测定 that the OGTT already includes.
  const request = demoRequest(`P-${taskId}`, taskId, [
    { rxId: 'RX-TADALAFIL', code: 'XG04BET001A001010100299' },
    { rxId: 'RX-OGTT', code: '003102050010100' },
    { rxId: 'RX-GLUCOSE', code: '002503020010000' },
  ]);
  fs.writeFileSync(requestFile, JSON.stringify(request));
  fs.writeFileSync(path.join(consumer, file), source);
  const out = execFileSync(process.execPath, [file, sidecar!.url, requestFile], {
    cwd: consumer,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return JSON.parse(out.trim());
}

const expected = (taskId: string) => ({
  status: 'ok',
  taskId,
  rules: ['医疗服务项目重复收费', '药品区分性别使用'],
  lines: ['RX-GLUCOSE', 'RX-OGTT', 'RX-TADALAFIL'],
});

describe('the @prealert/client tarball on a machine without registry access', () => {
  it('installs with npm --offline into an empty project', () => {
    expect(install.status, install.output).toBe(0);
    const installed = path.join(consumer, 'node_modules/@prealert/client');
    expect(fs.existsSync(path.join(installed, 'dist/index.cjs'))).toBe(true);
  });

  it('declares no runtime dependency and ships the licence of the code it bundles', () => {
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
    expect(manifest.dependencies ?? {}).toEqual({});
    // The README gives its size (about 220 KB): only undici's pool is bundled, not its index (fetch, WebSocket …),
    // which would make it about 310 KB (1.4 MB bundled into both builds, with source maps).
    expect(fs.statSync(tarball).size).toBeLessThan(260_000);
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    expect(listing).toMatch(/^package\/dist\/licenses\/undici\.LICENSE$/m);
    const licence = execFileSync('tar', ['-xzOf', tarball, 'package/dist/licenses/undici.LICENSE'], {
      encoding: 'utf8',
    });
    expect(licence).toMatch(/MIT License/);
    // Node's own modules by `node:` only: a bare name Node has only under that prefix (sqlite) would load an npm
    // package of that name from the HIS project (tsup strips the prefix unless told not to).
    const pool = execFileSync('tar', ['-xzOf', tarball, 'package/dist/undici-pool.cjs'], { encoding: 'utf8' });
    const bare = [...pool.matchAll(/require\("([^"./][^"]*)"\)/g)]
      .map((m) => m[1] ?? '')
      .filter((id) => !id.startsWith('node:'));
    expect(bare).toEqual([]);
    expect(licence).toMatch(/Matteo Collina and Undici contributors/);
  });

  it('answers a real 3101 through require() (CommonJS) from the HIS project', () => {
    expect(install.status, install.output).toBe(0);
    const source = `const fs = require('node:fs');
      const { PrealertClient, warningsByLine } = require('@prealert/client');${CALL}`;
    expect(callFromConsumer('call.cjs', source, 'TARBALL-CJS')).toEqual(expected('TARBALL-CJS'));
  });

  it("keeps to its own undici: a HIS project's undici, its global dispatcher refusing all network, changes nothing", () => {
    expect(install.status, install.output).toBe(0);
    // The HIS project's own undici (copied from this workspace: there is no registry to install one from). The SDK's
    // pool never goes through a global dispatcher, bundled or not: this guards that it keeps not doing so.
    const own = path.dirname(createRequire(path.join(packageDir, 'package.json')).resolve('undici/package.json'));
    fs.cpSync(own, path.join(consumer, 'node_modules/undici'), { recursive: true, dereference: true });
    const source = `const fs = require('node:fs');
      const undici = require('undici');
      const refuseAll = new undici.MockAgent();
      refuseAll.disableNetConnect();
      undici.setGlobalDispatcher(refuseAll);
      const { PrealertClient, warningsByLine } = require('@prealert/client');${CALL}`;
    expect(callFromConsumer('own-undici.cjs', source, 'TARBALL-OWN-UNDICI')).toEqual(expected('TARBALL-OWN-UNDICI'));
  });

  it('answers a real 3101 through import (ESM) from the HIS project', () => {
    expect(install.status, install.output).toBe(0);
    const source = `import fs from 'node:fs';
      import { PrealertClient, warningsByLine } from '@prealert/client';${CALL}`;
    expect(callFromConsumer('call.mjs', source, 'TARBALL-ESM')).toEqual(expected('TARBALL-ESM'));
  });
});
