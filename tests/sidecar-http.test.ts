/**
 * The real sidecar: the built sidecar/dist/cli.js as a child process on an ephemeral port with a temporary data
 * dir, driven over HTTP with envelopes shaped like real HIS clients' (arrays and single objects, numbers as strings).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisEnvelope, feedbackEnvelope, SEX_RULE_DRUG } from '../sidecar/test/fixtures/his-requests';
import { CLI, iconv, post, type RunningSidecar, spawnSidecar } from '../sidecar/test/helpers/spawn-sidecar';

const CALL_SERVICE = '/fsi/api/rsfComIfsService/callService';
const PATIENT_ID = '44010000000005556667';
const PATIENT_NAME = '钱保密';

let sidecar: RunningSidecar;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-it-'));
  sidecar = await spawnSidecar(dataDir);
});
afterAll(async () => {
  await sidecar?.stop();
});

const envelope = (encounterId: string, extra: Parameters<typeof analysisEnvelope>[0] = {}) =>
  analysisEnvelope({ encounterId, patientId: PATIENT_ID, patientName: PATIENT_NAME, ...extra });

describe('sidecar over HTTP', () => {
  it('is healthy and ready with the bundled national library', async () => {
    expect((await fetch(`${sidecar.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${sidecar.url}/readyz`);
    expect(ready.status).toBe(200);
    const status = (await (await fetch(`${sidecar.url}/v1/status`)).json()) as { library: { source: string } };
    expect(status.library.source).toBe('bundled');
  });

  it('answers 3101 with arrays and with single objects, numbers as strings', async () => {
    for (const singleObjects of [false, true]) {
      const answer = await post(
        `${sidecar.url}${CALL_SERVICE}`,
        envelope(`MZ-IT-A-${singleObjects}`, { singleObjects }),
      );
      expect(answer.infcode).toBe(0);
      expect(answer.output.result).toHaveLength(2);
      expect(answer.output.result!.every((r) => r.rule_id === SEX_RULE_DRUG)).toBe(true);
    }
  });

  it('reads a body a HIS posts without Content-Type', async () => {
    const body = JSON.stringify(envelope('MZ-IT-B'));
    const answer = await new Promise<string>((resolve, reject) => {
      const request = http.request(
        `${sidecar.url}${CALL_SERVICE}`,
        { method: 'POST', headers: { 'content-length': Buffer.byteLength(body) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    expect(JSON.parse(answer).infcode).toBe(0);
  });

  it('answers an oversized chunked body (no Content-Length) with infcode -1, and stays up', async () => {
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        `${sidecar.url}${CALL_SERVICE}`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
        },
      );
      // The server may answer and close before all of it is sent.
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
      });
      const piece = Buffer.alloc(256 * 1024, 0x20);
      request.write('{"infno":"3101","input":"');
      for (let i = 0; i < 20; i++) request.write(piece);
      request.end('"}');
    });
    expect(status).toBe(200);
    const answer = JSON.parse(text) as { infcode: number; err_msg: string };
    expect(answer.infcode).toBe(-1);
    expect(answer.err_msg).toMatch(/请求体超过 \d+ 字节上限/);
    expect((await post(`${sidecar.url}${CALL_SERVICE}`, envelope('MZ-IT-AFTER-BIG'))).infcode).toBe(0);
  });

  it('answers the shim route in GBK when asked in GBK, within X-Out-Capacity', async () => {
    const bytes = iconv.encode(
      JSON.stringify((envelope('MZ-IT-C', { lines: 12, firing: 8 }) as { input: unknown }).input),
      'gbk',
    );
    const response = await fetch(`${sidecar.url}/v1/yb/3101`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=gbk', 'x-out-capacity': '2048' },
      body: new Uint8Array(bytes),
    });
    const raw = Buffer.from(await response.arrayBuffer());
    expect(raw.length).toBeLessThanOrEqual(2048);
    const answer = JSON.parse(iconv.decode(raw, 'gbk'));
    expect(answer.infcode).toBe(0);
    expect(answer.output.truncated).toBe(true);
    expect(answer.output.result.length).toBeGreaterThan(0);
    // Every warning is kept, its text shortened to fit (【drug】 and what is wrong first).
    expect(answer.output.result.length).toBe(8);
    expect(answer.output.result[0].vola_cont).toMatch(/限男性/);
  });

  it('records a 3103, and marks the continued warning when the encounter comes back', async () => {
    const first = await post(`${sidecar.url}${CALL_SERVICE}`, envelope('MZ-IT-D', { taskId: 'TASK-IT-D' }));
    const [a, b] = first.output.result!;
    const bad = await post(`${sidecar.url}${CALL_SERVICE}`, feedbackEnvelope([{ jrId: a!.jr_id, way: '1' }]));
    expect(bad.infcode).toBe(-1);
    expect(bad.err_msg).toMatch(/warns\[0\]\.dspo_way_rea/);
    const ok = await post(
      `${sidecar.url}${CALL_SERVICE}`,
      feedbackEnvelope([
        { jrId: a!.jr_id, way: '1', reason: '已会诊确认' },
        { jrId: b!.jr_id, way: '2' },
      ]),
    );
    expect(ok.infcode).toBe(0);
    const again = await post(`${sidecar.url}${CALL_SERVICE}`, envelope('MZ-IT-D', { taskId: 'TASK-IT-D2' }));
    expect(again.output.result!.find((r) => r.jr_id === a!.jr_id)).toMatchObject({
      dspo_way: '1',
      dspo_way_rea: '已会诊确认',
      prior_dspo: true,
    });
    // The 返回修改 was not carried out (the same order came back), so it is asked again, and answered again.
    expect(again.output.result!.find((r) => r.jr_id === b!.jr_id)?.prior_dspo).toBeUndefined();
    const modified = await post(`${sidecar.url}${CALL_SERVICE}`, feedbackEnvelope([{ jrId: b!.jr_id, way: '2' }]));
    expect(modified.infcode).toBe(0);
    const task = (await (await fetch(`${sidecar.url}/v1/tasks/TASK-IT-D`)).json()) as {
      results: { jr_id: string }[];
      dispositions: Record<string, { dspo_way: string }>;
    };
    expect(task.results.map((r) => r.jr_id)).toEqual([a!.jr_id, b!.jr_id]);
    expect(task.dispositions[a!.jr_id]!.dspo_way).toBe('1');
    expect(task.dispositions[b!.jr_id]!.dspo_way).toBe('2');
  });

  it('gives the same compliance figures over HTTP and from `prealert stats`', async () => {
    const http = (await (await fetch(`${sidecar.url}/v1/stats?by=rule`)).json()) as { totals: Record<string, number> };
    expect(http.totals.reminders).toBeGreaterThanOrEqual(8);
    expect(http.totals.complied).toBe(1);
    expect(http.totals.continued).toBe(1);
    const cli = spawnSync(process.execPath, [CLI, 'stats', '--by', 'rule', '--format', 'json', '--data-dir', dataDir], {
      encoding: 'utf8',
    });
    expect(cli.status, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).totals).toEqual(http.totals);
    const table = spawnSync(process.execPath, [CLI, 'stats', '--data-dir', dataDir], { encoding: 'utf8' });
    expect(table.stdout).toContain('提醒人次');
    expect(table.stdout).toContain('合计');
    const badDate = spawnSync(process.execPath, [CLI, 'stats', '--from', '2026-02-30', '--data-dir', dataDir], {
      encoding: 'utf8',
    });
    expect(badDate.status).toBe(1);
    expect(badDate.stderr).toBe('prealert: --from must be a date yyyy-MM-dd (got "2026-02-30")\n');
  });

  it('writes `prealert stats` without colour codes when redirected, in the names the CSV uses, — for no 遵从率', async () => {
    const stats = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, 'stats', ...args, '--data-dir', dataDir], { encoding: 'utf8' });
    // stdout is a pipe here, as in `prealert stats > figures.txt` or a scheduled task's log.
    const byDept = stats('--by', 'dept');
    expect(byDept.status, byDept.stderr).toBe(0);
    expect(byDept.stdout).not.toContain('\u001b[');
    const head = byDept.stdout.split('\n').find((line) => line.includes('提醒人次'))!;
    expect(
      head
        .split('│')
        .map((cell) => cell.trim())
        .filter(Boolean),
    ).toEqual([
      '科室编码',
      '科室名称',
      '提醒人次',
      '提醒金额',
      '遵从人次',
      '遵从金额',
      '继续执行人次',
      '未反馈人次',
      '遵从率',
    ]);
    // On a terminal (a pseudo-terminal from util-linux script) the table is coloured, unless NO_COLOR is set. The
    // terminal is named and CI unset because cli-table3's colour library otherwise decides by them (no colour for an
    // unset TERM or with CI set, as on a CI runner), which is not what this checks.
    const onTerminal = (env: string) =>
      spawnSync(
        'script',
        [
          '-qec',
          `env -u CI -u FORCE_COLOR TERM=xterm-256color ${env} '${process.execPath}' '${CLI}' stats --by dept --data-dir '${dataDir}'`,
          '/dev/null',
        ],
        {
          encoding: 'utf8',
        },
      ).stdout;
    expect(onTerminal('')).toContain('\u001b[');
    const noColour = onTerminal('NO_COLOR=1');
    expect(noColour).toContain('科室编码');
    expect(noColour).not.toContain('\u001b[');
    // A month without reminders: nothing to comply with, so no rate (not 0.0 %), in the table and in JSON.
    const empty = stats('--from', '2020-10-01', '--to', '2020-10-31', '--doctor', 'D0101');
    const total = empty.stdout.split('\n').find((line) => line.includes('合计'))!;
    expect(
      total
        .split('│')
        .map((cell) => cell.trim())
        .filter(Boolean),
    ).toEqual(['合计（医生 D0101）', '0', '0.00', '0', '0.00', '0', '0', '—']);
    const json = stats('--from', '2020-10-01', '--to', '2020-10-31', '--format', 'json');
    expect(JSON.parse(json.stdout).totals.compliance_rate).toBeNull();
  });

  it('exposes Prometheus metrics', async () => {
    const text = await (await fetch(`${sidecar.url}/metrics`)).text();
    expect(text).toMatch(
      /prealert_requests_total\{route="\/fsi\/api\/rsfComIfsService\/callService",infno="3101",outcome="ok"\} \d+/,
    );
    expect(text).toContain('prealert_request_duration_seconds_bucket');
  });

  it('logs one JSON line per request with task id and timing, and no patient name or id', async () => {
    await post(`${sidecar.url}${CALL_SERVICE}`, envelope('MZ-IT-E', { taskId: 'TASK-IT-E' }));
    // A request so broken that only an error can come back must not leak either.
    await post(
      `${sidecar.url}${CALL_SERVICE}`,
      `{"infno":"3101","input":{"data":{"patient_dtos":[{"patn_id":"${PATIENT_ID}","patn_name":"${PATIENT_NAME}"}]}}}`,
    );
    // Log lines go out in blocks, at least every half second.
    const logged = () =>
      sidecar
        .output()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const deadline = Date.now() + 5_000;
    while (!(logged().some((l) => l.task_id === 'TASK-IT-E') && logged().some((l) => l.ok === false))) {
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const line = logged().find((l) => l.task_id === 'TASK-IT-E');
    expect(line).toMatchObject({ msg: 'request', route: CALL_SERVICE, infno: '3101', status: 200, ok: true });
    expect(typeof line!.ms).toBe('number');
    expect(sidecar.output()).not.toContain(PATIENT_ID);
    expect(sidecar.output()).not.toContain(PATIENT_NAME);
  });

  it('stops cleanly on SIGTERM: exit 0, port file removed, records on disk', async () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-it-stop-'));
    const running = await spawnSidecar(own);
    await post(`${running.url}${CALL_SERVICE}`, envelope('MZ-IT-F', { taskId: 'TASK-IT-F' }));
    expect(await running.stop()).toBe(0);
    expect(fs.existsSync(path.join(own, 'port'))).toBe(false);
    const restarted = await spawnSidecar(own);
    try {
      const task = await fetch(`${restarted.url}/v1/tasks/TASK-IT-F`);
      expect(task.status).toBe(200);
    } finally {
      await restarted.stop();
    }
  });

  it('refuses a bad config file with a one-line message', () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-it-config-'));
    const file = path.join(own, 'prealert.config.json');
    fs.writeFileSync(file, '{"port": "seventeen"}');
    const run = spawnSync(process.execPath, [CLI, 'serve', '--data-dir', own], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'prealert: prealert.config.json: port must be an integer from 0 to 65535 (got "seventeen")\n',
    );
  });
});
