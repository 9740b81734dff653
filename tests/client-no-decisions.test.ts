/**
 * `decide()` with no decisions, as the README's Quick start and 3103 snippet make it whenever the analysis failed
 * open or found nothing: an `ok` with nothing sent, never a `rejected` that a HIS alerting on it would raise for
 * every clean prescription. Against the real built sidecar over loopback HTTP, and against a port nothing listens on.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type AnalysisData, type Decision, PrealertClient } from '@prealert/client';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSidecar, startSidecar } from '../examples/web-his/sidecar-process.mjs';
import { codeBlocks, consumerProject } from './support/readme-code';

const repoRoot = path.resolve(import.meta.dirname, '..');
const sidecarCli = path.join(repoRoot, 'sidecar', 'dist', 'cli.js');
const clientDir = path.join(repoRoot, 'packages', 'client');
const README_BASE_URL = 'http://127.0.0.1:17311';

/**
 * The README's Quick start and its 3103 snippet, one program as a HIS would write them, compiled to JavaScript
 * against `baseUrl`; it prints what `decide()` resolved with. `log` and `markRow` are the HIS's own.
 */
function readmeProgram(baseUrl: string): string {
  const blocks = codeBlocks(fs.readFileSync(path.join(clientDir, 'README.md'), 'utf8'), 'ts');
  const quickStart = blocks.find((b) => b.includes('new PrealertClient(') && b.includes('prealert.analyze('));
  const decide = blocks.find((b) => b.includes('const result = await prealert.decide(answer, decisions'));
  if (!quickStart?.includes(README_BASE_URL) || !decide) throw new Error('README Quick start / 3103 snippet not found');
  const source = [
    quickStart.split(README_BASE_URL).join(baseUrl),
    decide,
    'declare function markRow(rxId: string, text: string): void;',
    'declare const log: { warn(message: string, detail: unknown): void };',
    'console.log(JSON.stringify(result));',
    'await prealert.close();',
  ].join('\n');
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  return `const log = { warn() {} };\nconst markRow = () => {};\n${js}`;
}

/** Runs the README program in its own Node process, from a HIS project that has the built package installed. */
async function runReadmeProgram(baseUrl: string): Promise<unknown> {
  const consumer = consumerProject(clientDir, '@prealert/client');
  try {
    const file = path.join(consumer.dir, 'readme-quick-start.mjs');
    fs.writeFileSync(file, readmeProgram(baseUrl));
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [file], { cwd: consumer.dir, timeout: 20_000 }, (error, out) =>
        error ? reject(error) : resolve(out),
      ),
    );
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
  } finally {
    consumer.remove();
  }
}

/** 张建国 (male, 68) with 前列腺增生 and 他达拉非片 (real national code): the bundled library finds nothing. */
function cleanPrescription(taskId: string): AnalysisData {
  return {
    syscode: 'MYHIS',
    task_id: taskId,
    trig_scen: '2',
    patient_dtos: [
      {
        patn_id: 'P002',
        patn_name: '张建国',
        gend: '1',
        brdy: '1958-03-02',
        poolarea: '110105',
        curr_mdtrt_id: 'MZ-CLEAN-1',
        fsi_encounter_dtos: [
          {
            mdtrt_id: 'MZ-CLEAN-1',
            med_mdtrt_type: '1',
            med_type: '11',
            insutype: '310',
            adm_date: '2026-12-01 08:30:00',
            dscg_main_dise_codg: 'N40.x00',
            dscg_main_dise_name: '前列腺增生',
            fsi_order_dtos: [
              {
                rx_id: 'RX-1',
                rxno: 'CF001',
                hilist_type: '101',
                chrg_type: '09',
                hilist_code: 'XG04BET001A001010100299',
                hilist_name: '他达拉非片',
                cnt: 1,
                pric: 58,
                sumamt: 58,
                drord_begn_date: '2026-12-01 09:00:00',
                drord_dept_codg: 'A03',
                drord_dept_name: '泌尿外科门诊',
                drord_dr_codg: 'D0001',
                drord_dr_name: '王医生',
                curr_drord_flag: '1',
              },
            ],
          },
        ],
      },
    ],
  } as AnalysisData;
}

/** The README's 3103 snippet: one decision per warning shown. */
const readmeDecisions = (results: readonly { jr_id: string; wf_impact: string }[]): Decision[] =>
  results.map((r) =>
    r.wf_impact === 'block'
      ? { jrId: r.jr_id, disposition: 'modify' as const }
      : { jrId: r.jr_id, disposition: 'continue' as const, reason: '临床必需' },
  );

/** 3103 requests the sidecar answered, from its own Prometheus counter. */
async function answered3103(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('prealert_requests_total{') && line.includes('infno="3103"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

let sidecar: RunningSidecar;
let dataDir: string;

beforeAll(async () => {
  if (!fs.existsSync(sidecarCli)) throw new Error('sidecar/dist/cli.js missing: run `pnpm build` first');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-no-decisions-'));
  sidecar = await startSidecar({ cli: sidecarCli, port: '0', dataDir, corsOrigins: [] });
});

afterAll(async () => {
  await sidecar?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('decide() with no decisions', () => {
  it("the README's Quick start and 3103 snippet, run as written against a sidecar that is down, end ok", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await runReadmeProgram(`http://127.0.0.1:${port}`)).toEqual({
      status: 'ok',
      sent: 0,
      queued: false,
      elapsedMs: 0,
    });
  });

  it('is ok with nothing sent when the sidecar found no warnings, and the sidecar records no 3103', async () => {
    const failOpens: string[] = [];
    const client = new PrealertClient({ baseUrl: sidecar.url, onFailOpen: ({ infno }) => failOpens.push(infno) });
    try {
      const answer = await client.analyze(cleanPrescription('NO-DECISIONS-1'));
      expect(answer).toMatchObject({ status: 'ok', results: [] });
      const result = await client.decide(answer, readmeDecisions(answer.results));
      expect(result).toEqual({ status: 'ok', sent: 0, queued: false, elapsedMs: 0 });
      expect(client.queuedFeedback).toBe(0);
      expect(failOpens).toEqual([]);
      expect(await answered3103(sidecar.url)).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('is ok with nothing sent or queued when the analysis failed open (sidecar down)', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const failOpens: string[] = [];
    const client = new PrealertClient({
      baseUrl: `http://127.0.0.1:${port}`,
      breaker: false,
      onFailOpen: ({ infno }) => failOpens.push(infno),
    });
    try {
      const answer = await client.analyze(cleanPrescription('NO-DECISIONS-2'));
      expect(answer.status).toBe('fail_open');
      const result = await client.decide(answer, readmeDecisions(answer.results));
      expect(result).toEqual({ status: 'ok', sent: 0, queued: false, elapsedMs: 0 });
      // Only the 3101 tried the port: a 3103 attempt would have failed open too and been reported.
      expect(failOpens).toEqual(['3101']);
      expect(client.queuedFeedback).toBe(0);
    } finally {
      await client.close();
    }
  });
});
