/**
 * `prealert fleet stats`, the 医保办's figures across a hospital's workstations, with the built CLI against three real
 * sidecars (each its own SQLite records) listening beyond loopback with an admin token, read under this machine's own
 * non-loopback address as IT's machine would, so the records guard asks for the token. Reminders are raised with
 * real national codes (a male-only drug for a woman: one reminder of 10.50 yuan each) and decided by 3103; the
 * expected sums are worked out by hand below.
 *
 *   host A: 张医生 D001 (内科 A03): 3 reminders, 1 返回修改, 1 继续执行, 1 unanswered — its own 遵从率 1/3
 *   host B: D001 named 张医师 here (内科 A03): 1 返回修改; 李医生 D002 (外科 B01): 1 unanswered — 1/2
 *   host C: 赵医生 D003 (外科 B01): 4 reminders, 1 继续执行, 3 unanswered — 0/4
 *   hospital: 9 reminders, 2 complied (21.00), 2 continued, 5 pending, 94.50 yuan; 遵从率 2/9 = 22.22 %, where the
 *   average of the hosts' rates would be 27.78 %; D001: 4 reminders, 2 complied = 50 % (averaged: 66.67 %).
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDay } from '../sidecar/src/stats/days';
import { analysisEnvelope, feedbackEnvelope } from '../sidecar/test/fixtures/his-requests';
import { tempDir } from '../sidecar/test/sync-support';
import {
  freePort,
  type NationalAnswer,
  prealert,
  prealertAsync,
  type SidecarProcess,
  startSidecar,
} from './sync-process';

const TOKEN = 'fleet-stats-admin-token-0123456789';
const NATIONAL = '/fsi/api/rsfComIfsService/callService';
const work = tempDir('fleet-stats');
const sidecars: SidecarProcess[] = [];
let hostNames: string[];
let hostsFile: string;
let withDeadHost: string;
let deadHost: string;
/** The Shanghai days the reminders were raised on: the clock's day before the first and after the last. */
let raisedOn: string[];

interface Reminder {
  doctor: string;
  doctorName: string;
  dept: string;
  deptName: string;
  decision: '1' | '2' | null;
}

function ownAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this machine has no non-loopback IPv4 address to read the workstations from');
}

const zhang = { doctor: 'D001', doctorName: '张医生', dept: 'A03', deptName: '内科' };
const PLAN: Reminder[][] = [
  [
    { ...zhang, decision: '2' },
    { ...zhang, decision: '1' },
    { ...zhang, decision: null },
  ],
  [
    { ...zhang, doctorName: '张医师', decision: '2' },
    { doctor: 'D002', doctorName: '李医生', dept: 'B01', deptName: '外科', decision: null },
  ],
  [
    { doctor: 'D003', doctorName: '赵医生', dept: 'B01', deptName: '外科', decision: '1' },
    { doctor: 'D003', doctorName: '赵医生', dept: 'B01', deptName: '外科', decision: null },
    { doctor: 'D003', doctorName: '赵医生', dept: 'B01', deptName: '外科', decision: null },
    { doctor: 'D003', doctorName: '赵医生', dept: 'B01', deptName: '外科', decision: null },
  ],
];

async function raise(sidecar: SidecarProcess, host: number, i: number, r: Reminder): Promise<void> {
  const encounterId = `MZ-FLEET-${host}-${i}`;
  const answer = await sidecar.post<NationalAnswer>(
    NATIONAL,
    analysisEnvelope({
      encounterId,
      patientId: `P-${encounterId}`,
      doctorCode: r.doctor,
      doctorName: r.doctorName,
      deptCode: r.dept,
      deptName: r.deptName,
      firing: 1,
      lines: 1,
    }),
  );
  expect(answer.body.infcode, answer.body.err_msg).toBe(0);
  const jrId = answer.body.output.result?.[0]?.jr_id;
  expect(jrId).toBeTruthy();
  if (r.decision === null) return;
  const reason = r.decision === '1' ? '患者病情需要，已告知' : '';
  const feedback = await sidecar.post<NationalAnswer>(
    NATIONAL,
    feedbackEnvelope([{ jrId: jrId!, way: r.decision, reason }]),
  );
  expect(feedback.body.infcode, feedback.body.err_msg).toBe(0);
}

beforeAll(async () => {
  const firstDay = shanghaiDay(Date.now());
  for (const [host, reminders] of PLAN.entries()) {
    const sidecar = await startSidecar({
      dataDir: path.join(work, `ws${host + 1}`),
      env: { PREALERT_HOST: '0.0.0.0', PREALERT_ADMIN_TOKEN: TOKEN },
    });
    sidecars.push(sidecar);
    for (const [i, r] of reminders.entries()) await raise(sidecar, host, i, r);
  }
  raisedOn = [...new Set([firstDay, shanghaiDay(Date.now())])];
  const address = ownAddress();
  hostNames = sidecars.map((s) => `${address}:${new URL(s.url).port}`);
  deadHost = `127.0.0.1:${await freePort()}`;
  hostsFile = path.join(work, 'hosts.txt');
  fs.writeFileSync(hostsFile, `# 门诊\n${hostNames.join('\n')}\n`);
  withDeadHost = path.join(work, 'hosts-with-dead.txt');
  fs.writeFileSync(withDeadHost, `${hostNames.join('\n')}\n${deadHost}   # switched off\n`);
}, 180_000);

afterAll(async () => {
  for (const s of sidecars) await s.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

interface FleetJson {
  from: string;
  to: string;
  by: string;
  partial: boolean;
  totals: Record<string, number | null>;
  rows: ({ key: string; label: string } & Record<string, number | string | null>)[];
  hosts: {
    host: string;
    counted: boolean;
    reminders: number | null;
    compliance_rate: number | null;
    error: string | null;
  }[];
}

function fleetStats(args: string[], env: Record<string, string> = {}) {
  return prealert(['fleet', 'stats', ...args], { PREALERT_ADMIN_TOKEN: '', NO_COLOR: '1', ...env });
}

function json(args: string[], env: Record<string, string> = {}): { code: number | null; body: FleetJson } {
  const run = fleetStats([...args, '--format', 'json'], env);
  return { code: run.code, body: JSON.parse(run.stdout) as FleetJson };
}

describe('prealert fleet stats', () => {
  it("adds up the hospital's figures and works 遵从率 out from the sums, with each host's totals", () => {
    const { code, body } = json(['--hosts', hostsFile, '--token', TOKEN]);
    expect(code).toBe(0);
    expect(body.partial).toBe(false);
    expect(body.totals).toEqual({
      reminders: 9,
      reminder_amount: 94.5,
      complied: 2,
      complied_amount: 21,
      continued: 2,
      pending: 5,
      // 2/9, not the hosts' rates averaged ((1/3 + 1/2 + 0) / 3 = 0.2778).
      compliance_rate: 0.2222,
    });
    // Every reminder was raised on one day: one day row holding them all. A set-up that ran across midnight in
    // Shanghai raised them on two, and each day's row holds its own.
    expect(body.rows.map((r) => r.key)).toEqual(raisedOn);
    if (raisedOn.length === 1)
      expect(body.rows[0]).toMatchObject({ reminders: 9, complied: 2, compliance_rate: 0.2222 });
    else expect(body.rows.reduce((sum, r) => sum + Number(r.reminders), 0)).toBe(9);
    expect(body.hosts.map((h) => [h.host, h.counted, h.reminders, h.compliance_rate, h.error])).toEqual([
      [hostNames[0], true, 3, 0.3333, null],
      [hostNames[1], true, 2, 0.5, null],
      [hostNames[2], true, 4, 0, null],
    ]);
  });

  it('sums the same doctor on two hosts into one row, named as most of his reminders name him', () => {
    const { code, body } = json(['--hosts', hostsFile, '--by', 'doctor'], { PREALERT_ADMIN_TOKEN: TOKEN });
    expect(code).toBe(0);
    expect(
      body.rows.map((r) => [r.key, r.label, r.reminders, r.complied, r.continued, r.pending, r.compliance_rate]),
    ).toEqual([
      // 3 reminders on A (张医生) and 1 on B (张医师): 2 complied of 4, 50 % (averaging A's 33 % and B's 100 % gives 67 %).
      ['D001', '张医生', 4, 2, 1, 1, 0.5],
      ['D003', '赵医生', 4, 0, 1, 3, 0],
      ['D002', '李医生', 1, 0, 0, 1, 0],
    ]);
    expect(body.rows[0]!.reminder_amount).toBe(42);
    expect(body.rows[0]!.complied_amount).toBe(21);
  });

  it('by dept across hosts, in the table: hosts counted, the departments summed, the total', () => {
    const run = fleetStats(['--hosts', hostsFile, '--token', TOKEN, '--by', 'dept']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('3/3 hosts counted\n');
    expect(run.stdout).toContain('全部 3 台已计入');
    const line = (start: string) => {
      const found = run.stdout.split('\n').find((l) => l.startsWith(`│ ${start}`));
      if (!found) throw new Error(`no row ${start} in\n${run.stdout}`);
      return found
        .split('│')
        .map((c) => c.trim())
        .filter((c) => c !== '');
    };
    expect(line('B01')).toEqual(['B01', '外科', '5', '52.50', '0', '0.00', '1', '4', '0.0%']);
    expect(line('A03')).toEqual(['A03', '内科', '4', '42.00', '2', '21.00', '1', '1', '50.0%']);
    expect(line('合计')).toEqual(['合计', '9', '94.50', '2', '21.00', '2', '5', '22.2%']);
    // Each host's own line, so the 医保办 sees C (0 %) pulls the figure down.
    expect(line(hostNames[2]!)).toEqual([hostNames[2], '是', '4', '0.0%']);
  });

  it("writes the CSV in `prealert stats`'s layout (BOM, headers, 合计 row)", () => {
    const run = fleetStats(['--hosts', hostsFile, '--token', TOKEN, '--by', 'dept', '--format', 'csv']);
    expect(run.code, run.stderr).toBe(0);
    const one = prealert(['stats', '--by', 'dept', '--format', 'csv', '--data-dir', sidecars[0]!.dataDir]);
    expect(one.code, one.stderr).toBe(0);
    expect(run.stdout.startsWith('\uFEFF')).toBe(true);
    const lines = run.stdout.split('\r\n');
    expect(lines[0]).toBe(one.stdout.split('\r\n')[0]);
    expect(lines.slice(1)).toEqual([
      'B01,外科,5,52.50,0,0.00,1,4,0.00%',
      'A03,内科,4,42.00,2,21.00,1,1,50.00%',
      one.stdout
        .split('\r\n')
        .at(-2)!
        .replace(/^合计,([^,]*),.*$/, '合计,$1,9,94.50,2,21.00,2,5,22.22%'),
      '',
    ]);
    expect(run.stderr).toContain(`${hostNames[2]}: counted, 提醒人次 4, 遵从率 0.0%`);
  });

  it('marks the figures partial and exits 1 when a host is down, naming it and why', () => {
    const { code, body } = json(['--hosts', withDeadHost, '--token', TOKEN, '--by', 'dept']);
    expect(code).toBe(1);
    expect(body.partial).toBe(true);
    expect(body.totals.reminders).toBe(9);
    expect(body.hosts[3]).toMatchObject({ host: deadHost, counted: false, reminders: null });
    expect(body.hosts[3]!.error).toMatch(/^not running \(connection refused\)/);

    const table = fleetStats(['--hosts', withDeadHost, '--token', TOKEN]);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('3/4 hosts counted: PARTIAL figures');
    expect(table.stdout).toContain('部分结果（不完整）：4 台中 1 台未计入');
    expect(table.stdout).toContain('合计（不完整：1/4 台未计入）');

    const csv = fleetStats(['--hosts', withDeadHost, '--token', TOKEN, '--format', 'csv']);
    expect(csv.code).toBe(1);
    expect(csv.stdout).toMatch(/\r\n合计（不完整：1\/4 台未计入） \d{4}-\d\d-\d\d~\d{4}-\d\d-\d\d,9,94\.50,/);
    expect(csv.stderr).toMatch(new RegExp(`${deadHost}: NOT counted: not running`));
  });

  it('names a wrong token as the reason each host was not counted', () => {
    const { code, body } = json(['--hosts', hostsFile, '--token', 'not-the-token']);
    expect(code).toBe(1);
    expect(body.partial).toBe(true);
    expect(body.totals.reminders).toBe(0);
    for (const host of body.hosts) {
      expect(host.counted).toBe(false);
      expect(host.error).toMatch(/^HTTP 401: admin token missing or wrong: give the workstations' admin token/);
    }
  });

  it('refuses a hosts file that lists one workstation twice, before calling any', () => {
    const twice = path.join(work, 'hosts-twice.txt');
    const first = fs
      .readFileSync(hostsFile, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '' && !line.startsWith('#'))!;
    fs.writeFileSync(twice, `${first}\n# again, as typed by another hand\nHTTP://${first}\n`);
    const run = fleetStats(['--hosts', twice, '--token', TOKEN]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is listed twice');
    expect(run.stderr).toContain('its figures would be counted twice');
    expect(run.stdout).toBe('');
  });

  it('leaves out a build that ignores --doctor (its reply has no filter), rather than adding its whole figures', async () => {
    // A build before the rule/dept/doctor filters answers every query with all of its figures, and no `filter`.
    const server = http.createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      res.setHeader('content-type', 'application/json');
      const figures = {
        reminders: 7,
        reminder_amount: 70,
        complied: 0,
        complied_amount: 0,
        continued: 0,
        pending: 7,
        compliance_rate: 0,
      };
      res.end(
        JSON.stringify({
          from: query.get('from'),
          to: query.get('to'),
          by: query.get('by'),
          totals: figures,
          rows: [],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const old = path.join(work, 'hosts-old-build.txt');
      fs.writeFileSync(old, `127.0.0.1:${(server.address() as net.AddressInfo).port}\n`);
      // Not spawnSync: the stand-in answers from this process.
      const ask = async (args: string[]) => {
        const run = await prealertAsync(['fleet', 'stats', '--hosts', old, ...args, '--format', 'json'], {
          PREALERT_ADMIN_TOKEN: '',
        });
        return { code: run.code, body: JSON.parse(run.stdout) as FleetJson };
      };
      const { code, body } = await ask(['--doctor', 'D001']);
      expect(code).toBe(1);
      expect(body.partial).toBe(true);
      expect(body.totals.reminders).toBe(0);
      expect(body.hosts[0]!.error).toContain('older than those filters');
      // Unfiltered, the same reply is counted.
      expect((await ask([])).body.totals.reminders).toBe(7);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('gives up on a host that never answers after --timeout seconds, and marks the figures partial', async () => {
    // Accepts the connection and says nothing: a workstation whose sidecar hangs, or a proxy holding the request.
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const hung = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      const file = path.join(work, 'hosts-with-hung.txt');
      fs.writeFileSync(file, `${hostNames.join('\n')}\n${hung}\n`);
      const started = Date.now();
      // Not spawnSync: the silent host is this process.
      const run = await prealertAsync(['fleet', 'stats', '--hosts', file, '--timeout', '5', '--format', 'json'], {
        PREALERT_ADMIN_TOKEN: TOKEN,
      });
      const seconds = (Date.now() - started) / 1000;
      expect(run.code, run.stderr).toBe(1);
      const body = JSON.parse(run.stdout) as FleetJson;
      expect(body.partial).toBe(true);
      expect(body.totals.reminders).toBe(9);
      expect(body.hosts[3]).toMatchObject({
        host: hung,
        counted: false,
        reminders: null,
        error: 'timed out after 5 s (--timeout)',
      });
      expect(sockets.length).toBeGreaterThan(0);
      // Five seconds of waiting (enough for the three real sidecars to answer on a loaded machine), plus starting
      // node; the default would be 60 s.
      expect(seconds).toBeGreaterThanOrEqual(5);
      expect(seconds).toBeLessThan(40);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a --timeout that is not a positive number of seconds, naming the option', () => {
    for (const value of ['0', '-1', 'abc', '1.5']) {
      const run = fleetStats(['--hosts', hostsFile, '--token', TOKEN, '--timeout', value]);
      expect(run.code, value).toBe(1);
      expect(run.stderr).toContain(`--timeout must be a positive integer (got "${value}")`);
      expect(run.stdout).toBe('');
    }
    const huge = fleetStats(['--hosts', hostsFile, '--token', TOKEN, '--timeout', '3000000']);
    expect(huge.code).toBe(1);
    expect(huge.stderr).toContain('--timeout must be at most 86400 seconds (a day) (got "3000000")');
  });

  it('refuses a query every host would refuse before calling any, naming the option as typed', () => {
    // The hosts file does not exist: the query is read first.
    const run = fleetStats(['--hosts', path.join(work, 'no-such-hosts.txt'), '--from', '2026-11']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      '--from must be a date yyyy-MM-dd (got "2026-11"); a month is its first and last day: --from 2026-11-01 --to 2026-11-30',
    );
    expect(run.stdout).toBe('');
  });
});
