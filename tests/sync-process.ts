/**
 * The built sidecar as a child process, for the sync end-to-end tests and the swap bench: `node sidecar/dist/cli.js
 * serve` with PREALERT_* settings, an ephemeral port and its own data directory. Log lines (pino JSON) are kept
 * so a test can wait for one ("activating library") and act on it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'sidecar', 'dist', 'cli.js');

/** A port nothing listens on (just now): a workstation that is down, or a host a test stands up by hand. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function assertBuilt(): void {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` first (pnpm test does)`);
}

export interface LogEntry {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface SidecarProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  logs: LogEntry[];
  /** Resolves with the first log entry (past or future) whose msg matches (and that passes `where`). */
  waitForLog(msg: string | RegExp, timeoutMs?: number, where?: (entry: LogEntry) => boolean): Promise<LogEntry>;
  get<T = Record<string, unknown>>(route: string): Promise<{ status: number; body: T }>;
  post<T = Record<string, unknown>>(
    route: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: T }>;
  /** SIGTERM and wait; SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** kill -9 and wait. */
  kill9(): Promise<void>;
}

export async function startSidecar(options: {
  dataDir: string;
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** Log to this file instead of stdout (a bench does not want to parse a log line per request). */
  logFile?: string;
}): Promise<SidecarProcess> {
  assertBuilt();
  if (options.logFile) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    fs.writeFileSync(
      path.join(options.dataDir, 'prealert.config.json'),
      JSON.stringify({ log: { level: 'info', file: options.logFile } }),
    );
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('PREALERT_')) delete env[key];
  Object.assign(env, { PREALERT_LOG_LEVEL: 'info', ...options.env });
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', options.dataDir], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  const logs: LogEntry[] = [];
  const waiters: { test: (e: LogEntry) => boolean; resolve: (e: LogEntry) => void }[] = [];
  const stderr: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 30) stderr.shift();
  });
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    let entry: LogEntry;
    try {
      entry = JSON.parse(line) as LogEntry;
    } catch {
      return;
    }
    logs.push(entry);
    for (const w of waiters.slice()) {
      if (w.test(entry)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(entry);
      }
    }
  });
  const matcher = (msg: string | RegExp, where: (e: LogEntry) => boolean) => (e: LogEntry) =>
    (typeof msg === 'string' ? e.msg === msg : msg.test(e.msg)) && where(e);
  const waitForLog = (msg: string | RegExp, timeoutMs = 30_000, where: (e: LogEntry) => boolean = () => true) => {
    const test = matcher(msg, where);
    const seen = logs.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogEntry>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(
          waiters.findIndex((w) => w.resolve === done),
          1,
        );
        reject(new Error(`no log line ${String(msg)} within ${timeoutMs} ms; stderr: ${stderr.join(' | ')}`));
      }, timeoutMs);
      const done = (e: LogEntry) => {
        clearTimeout(timer);
        resolve(e);
      };
      waiters.push({ test, resolve: done });
    });
  };
  const started = options.logFile
    ? portFileUrl(options.dataDir, options.startTimeoutMs ?? 30_000)
    : waitForLog('prealert sidecar listening', options.startTimeoutMs ?? 30_000).then((e) => String(e.url));
  const url = await Promise.race([
    started,
    exited.then(() => {
      throw new Error(`sidecar exited at start: ${stderr.join(' | ')}`);
    }),
  ]);
  const call = async <T>(method: 'GET' | 'POST', route: string, body?: unknown, token?: string) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  return {
    url,
    dataDir: options.dataDir,
    child,
    logs,
    waitForLog,
    get: (route) => call('GET', route),
    post: (route, body, token) => call('POST', route, body, token),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The sidecar's URL once its port file names a port that answers /healthz. */
async function portFileUrl(dataDir: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const port = Number(fs.readFileSync(path.join(dataDir, 'port'), 'utf8').split('\n')[0]);
      const url = `http://127.0.0.1:${port}`;
      if ((await fetch(`${url}/healthz`)).ok) return url;
    } catch {
      // Not yet.
    }
    if (Date.now() > deadline) throw new Error(`sidecar did not start within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the built CLI (`pnpm prealert …` without pnpm's own output) and returns what it printed. */
export function prealert(args: string[], env: Record<string, string> = {}) {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * prealert without blocking this process while it runs: for a command that talks to a server running in this process
 * (the platform simulator), which spawnSync would keep from answering.
 */
export function prealertAsync(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A 3101 envelope for one order line (real national code) and a patient of the given sex. */
export function envelope3101(code: string, gend: '1' | '2', mdtrtId = 'MDTRT-SYNC-1') {
  return {
    infno: '3101',
    msgid: `H4401000000120261120100000${Math.floor(Math.random() * 9000 + 1000)}`,
    mdtrtarea_admvs: '440100',
    insuplc_admdvs: '440100',
    recer_sys_code: 'HIS',
    infver: 'V1.0',
    opter_type: '1',
    opter: 'D001',
    opter_name: '王医生',
    inf_time: '2026-11-20 10:00:00',
    fixmedins_code: 'H44010000001',
    fixmedins_name: '测试医院',
    sign_no: '',
    input: {
      data: {
        syscode: 'HIS',
        task_id: `TASK-${mdtrtId}`,
        trig_scen: '2',
        rule_ids: [],
        patient_dtos: [
          {
            patn_id: 'PSN-SYNC-1',
            patn_name: '测试患者',
            gend,
            brdy: '1980-01-01',
            poolarea: '440100',
            curr_mdtrt_id: mdtrtId,
            fsi_encounter_dtos: [
              {
                mdtrt_id: mdtrtId,
                medins_id: 'H44010000001',
                medins_name: '测试医院',
                medins_admdvs: '440100',
                medins_type: '1',
                medins_lv: '3',
                adm_date: '2026-11-20 08:30:00',
                dscg_date: '2026-11-20 08:30:00',
                dscg_main_dise_codg: 'J06.900',
                dscg_main_dise_name: '急性上呼吸道感染',
                fsi_diagnose_dtos: [
                  {
                    dise_id: 'DX1',
                    inout_dise_type: '1',
                    maindise_flag: '1',
                    dias_srt_no: '1',
                    dise_codg: 'J06.900',
                    dise_name: '急性上呼吸道感染',
                    dise_date: '2026-11-20 08:40:00',
                  },
                ],
                dr_codg: 'D001',
                adm_dept_codg: 'A03',
                adm_dept_name: '内科',
                dscg_dept_codg: 'A03',
                dscg_dept_name: '内科',
                med_mdtrt_type: '1',
                med_type: '11',
                fsi_order_dtos: [
                  {
                    rx_id: `RX-${mdtrtId}`,
                    rxno: 'CF0001',
                    long_drord_flag: '0',
                    hilist_type: '101',
                    chrg_type: '09',
                    drord_bhvr: '0',
                    hilist_code: code,
                    hilist_name: code,
                    hilist_lv: '1',
                    hilist_pric: 10,
                    hosplist_code: `H${code.slice(-6)}`,
                    hosplist_name: code,
                    cnt: 1,
                    pric: 10,
                    sumamt: 10,
                    ownpay_amt: 0,
                    selfpay_amt: 0,
                    spec: '1',
                    spec_unt: '盒',
                    drord_begn_date: '2026-11-20 09:00:00',
                    drord_stop_date: '',
                    drord_dept_codg: 'A03',
                    drord_dept_name: '内科',
                    drord_dr_codg: 'D001',
                    drord_dr_name: '王医生',
                    drord_dr_profttl: '234',
                    curr_drord_flag: '1',
                  },
                ],
                matn_stas: '0',
                medfee_sumamt: 10,
                ownpay_amt: 0,
                selfpay_amt: 0,
                setl_totlnum: 1,
                insutype: '310',
                reim_flag: '0',
                out_setl_flag: '0',
                fsi_operation_dtos: [],
              },
            ],
          },
        ],
      },
    },
  };
}

export interface NationalAnswer {
  infcode: number;
  err_msg: string;
  output: { result?: { jr_id: string; rule_id: string; vola_cont: string }[] };
}

/** The rule ids a 3101 for this line and patient fires on the running sidecar. */
export async function firedRules(sidecar: SidecarProcess, code: string, gend: '1' | '2'): Promise<string[]> {
  const answer = await sidecar.post<NationalAnswer>('/fsi/api/rsfComIfsService/callService', envelope3101(code, gend));
  if (answer.body.infcode !== 0) throw new Error(`3101 failed: ${answer.body.err_msg}`);
  return (answer.body.output.result ?? []).map((r) => r.rule_id);
}
