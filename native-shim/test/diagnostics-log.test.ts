// The opt-in diagnostics file (option `log`, ini key `log`, PREALERT_SHIM_LOG): IT staff learn from it why a
// workstation fails open, which otherwise lives only in an output buffer most HIS discard. Real compiled .so, real
// national codes in the requests, real files: one line per fail-open call, never a request body, bounded with one
// rotation, intact under threads, and a log that cannot be written never changes the call.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpPeer, OK_ENVELOPE, type Peer, silentPeer } from './support/fault-peer';
import { maleOnlyDrugs, request3101, request3103 } from './support/national-requests';
import { type Flavour, loadShim, loadShimCopy, RC, type ShimLibrary } from './support/shim-addon';
import { sidecarBuild } from './support/sidecar-build';
import { closedPort, startSidecar } from './support/sidecar-process';
import { encodeFor } from './support/text-codec';

const PATIENT_ID = 'P-LOG-4711';
const PATIENT_NAME = '𠀀李梅';
const REASON_TEXT = '已与患者沟通，继续执行';
/** "2026-11-30 21:05:01.123 +0800 pid=123 failopen infno=3101 charset=utf-8 reason=… code=111 ms=0 port=… spooled=0" */
const FAILOPEN_LINE =
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4} pid=\d+ failopen infno=(\w+) charset=([\w-]+) reason=(\w+) code=(-?\d+) ms=(\d+) port=(\d+) spooled=([01])$/;

let shim: ShimLibrary;
let scratch: string;
const peers: Peer[] = [];

function setOptions(library: ShimLibrary, options: Record<string, string | number>): void {
  for (const [name, value] of Object.entries(options)) {
    expect(library.setOption(name, String(value)), `set_option ${name}=${value}`).toBe(RC.ok);
  }
}

function logLines(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

function request3101Text(): string {
  return JSON.stringify(
    request3101(maleOnlyDrugs().slice(0, 2), { patnId: PATIENT_ID, patnName: PATIENT_NAME, gend: '2' }),
  );
}

beforeAll(() => {
  shim = loadShim();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-shim-log-'));
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  expect(shim.setOption('reset', 'all')).toBe(RC.ok);
  expect(shim.setOption('spool_max_bytes', '0')).toBe(RC.ok);
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

describe('the log option', () => {
  it('takes an absolute file path or "" (off); "1", a relative path and a too-small bound are refused with -4', () => {
    expect(shim.setOption('log', '1')).toBe(RC.option);
    expect(shim.setOption('log', 'prealert.log')).toBe(RC.option);
    // `~name` (another account's home) is not looked up: refused as the sidecar refuses it (`~/…`: below).
    expect(shim.setOption('log', '~doctor/prealert-shim.log')).toBe(RC.option);
    expect(shim.setOption('log', path.join(scratch, 'option.log'))).toBe(RC.ok);
    expect(shim.setOption('log', '')).toBe(RC.ok);
    expect(shim.setOption('log_max_bytes', '4095')).toBe(RC.option);
    expect(shim.setOption('log_max_bytes', '4096')).toBe(RC.ok);
  });

  // data_dir, spool_dir and token_file as log: a relative path is read from the HIS's working directory, wherever the
  // HIS was started from, where no sidecar writes its port file or replays a spool. Refused, the value before stays.
  describe.each(['data_dir', 'spool_dir', 'token_file'])('the %s option', (option) => {
    it('takes an absolute path or "" (the default); a relative one, ~name/… included, is refused with -4 and logged', () => {
      const file = path.join(scratch, `relative-${option}.log`);
      setOptions(shim, { log: file });
      for (const relative of ['prealert', '~doctor/prealert', './prealert', '../prealert']) {
        expect(shim.setOption(option, relative), `${option}=${relative}`).toBe(RC.option);
      }
      expect(shim.setOption(option, path.join(scratch, 'absolute'))).toBe(RC.ok);
      expect(shim.setOption(option, '')).toBe(RC.ok);
      const refusals = logLines(file).filter((line) => line.includes(' config_problem '));
      expect(refusals).toHaveLength(4);
      for (const line of refusals)
        expect(line).toMatch(`config_problem set_option name=${option} problem=invalid_value`);
    });
  });

  it('a refused relative data_dir keeps the one before: the sidecar named by its port file still answers', async () => {
    const answering = await httpPeer((_req, res) => res.end(OK_ENVELOPE));
    peers.push(answering);
    const dataDir = fs.mkdtempSync(path.join(scratch, 'data-'));
    fs.writeFileSync(path.join(dataDir, 'port'), `${answering.port}\n`);
    setOptions(shim, { data_dir: dataDir });
    expect(shim.setOption('data_dir', '.local/share/prealert')).toBe(RC.option);
    const outcome = await shim.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096);
    expect(outcome.rc).toBe(RC.ok);
    expect(answering.requests).toHaveLength(1);
  });

  it('a refused relative token_file keeps the one before: its token is still sent', async () => {
    const echo = await httpPeer((_req, res) => res.end(OK_ENVELOPE));
    peers.push(echo);
    const tokenFile = path.join(scratch, 'token');
    fs.writeFileSync(tokenFile, 'f00dfeedf00dfeed\n');
    setOptions(shim, { port: echo.port, token_file: tokenFile });
    expect(shim.setOption('token_file', 'token')).toBe(RC.option);
    expect((await shim.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096)).rc).toBe(RC.ok);
    expect(echo.requests[0]?.headers['x-prealert-token']).toBe('f00dfeedf00dfeed');
  });

  it('a refused relative spool_dir keeps the one before: a 3103 that fails open is spooled where it was set', async () => {
    const spoolDir = path.join(scratch, 'kept-spool');
    setOptions(shim, { port: await closedPort(), spool_dir: spoolDir, spool_max_bytes: 1_000_000 });
    expect(shim.setOption('spool_dir', 'spool')).toBe(RC.option);
    const decision = JSON.stringify(request3103(['JR-KEPT-0001']));
    const outcome = await shim.call('utf8', Buffer.from('3103'), Buffer.from(decision), 4096);
    expect(outcome.rc).toBe(RC.failOpen);
    expect(outcome.output.toString('utf8')).toContain('"spooled":true');
    expect(fs.readdirSync(spoolDir).filter((name) => name.endsWith('-3103.req'))).toHaveLength(1);
  });

  it('a refused option is noted in the log by name, never its value (it may be the token)', () => {
    const file = path.join(scratch, 'refused.log');
    setOptions(shim, { log: file });
    expect(shim.setOption('token', 'has a space-secret-value')).toBe(RC.option);
    expect(shim.setOption('tiemout_ms', '300')).toBe(RC.option);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/config_problem set_option name=token problem=invalid_value\n/);
    expect(text).toMatch(/config_problem set_option name=tiemout_ms problem=unknown_option\n/);
    expect(text).not.toContain('secret');
  });
});

describe('a call that fails open', () => {
  it.each<Flavour>(['utf8', 'gbk', 'w'])(
    '%s: one line with time, infno, reason, code and ms, and no patient data',
    async (flavour) => {
      const file = path.join(scratch, `failopen-${flavour}.log`);
      const spoolDir = path.join(scratch, `spool-${flavour}`);
      setOptions(shim, { log: file, port: await closedPort(), spool_dir: spoolDir, spool_max_bytes: 1_000_000 });
      const before = logLines(file).length;

      const refused = await shim.call(flavour, encodeFor(flavour, '3101'), encodeFor(flavour, request3101Text()), 4096);
      const decision = JSON.stringify(request3103(['JR-LOG-0001']));
      const spooled = await shim.call(flavour, encodeFor(flavour, '3103'), encodeFor(flavour, decision), 4096);
      expect(refused.rc).toBe(RC.failOpen);
      expect(spooled.rc).toBe(RC.failOpen);

      const lines = logLines(file).slice(before);
      const failOpens = lines.map((line) => FAILOPEN_LINE.exec(line)).filter((m) => m !== null);
      expect(failOpens).toHaveLength(2);
      const [first, second] = failOpens;
      const charset = { utf8: 'utf-8', gbk: 'gb18030', w: 'utf-16le' }[flavour];
      expect(first?.slice(1, 5)).toEqual(['3101', charset, 'sidecar_unreachable', '111']);
      expect(Number(first?.[5])).toBeLessThanOrEqual(Math.ceil(refused.elapsedMs));
      expect(second?.slice(1, 4)).toEqual(['3103', charset, 'breaker_open']);
      expect(second?.[7]).toBe('1'); // the decision was kept in the spool
      // The spool holds the request; the log never does.
      const text = fs.readFileSync(file, 'utf8');
      for (const secret of [PATIENT_ID, '李梅', REASON_TEXT, 'JR-LOG', '{', 'patn', 'XG04']) {
        expect(text).not.toContain(secret);
      }
      expect(fs.readdirSync(spoolDir).length).toBeGreaterThan(0);
    },
  );

  it('a sidecar that does not answer: reason sidecar_timeout, the deadline as code, the wait in ms', async () => {
    const file = path.join(scratch, 'timeout.log');
    const silent = await silentPeer();
    peers.push(silent);
    setOptions(shim, { log: file, port: silent.port, timeout_ms_3101: 200 });
    const outcome = await shim.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096);
    expect(outcome.rc).toBe(RC.failOpen);
    const line = FAILOPEN_LINE.exec(logLines(file).at(-1) ?? '');
    expect(line?.slice(1, 5)).toEqual(['3101', 'utf-8', 'sidecar_timeout', '200']);
    expect(Number(line?.[5])).toBeGreaterThanOrEqual(199);
    expect(line?.[6]).toBe(String(silent.port));
  });

  it('8 threads failing open at once: every line whole, none lost or interleaved', async () => {
    const file = path.join(scratch, 'threads.log');
    setOptions(shim, { log: file, port: await closedPort() });
    const outcomes = await shim.hammer('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096, 8, 25);
    expect(outcomes.every((o) => o.rc === RC.failOpen)).toBe(true);
    const lines = logLines(file);
    // set_option("log") first notes the build and the settings in force; then one whole line per call.
    expect(lines[0]).toContain(` config build=${sidecarBuild()} platform=linux-x64 ini=absent problems=0 port=`);
    expect(lines[0]).toMatch(/ pid=\d+ config build=\S+ platform=linux-x64 ini=absent problems=0 port=\d+ /);
    expect(lines).toHaveLength(1 + 200);
    for (const line of lines.slice(1)) expect(line).toMatch(FAILOPEN_LINE);
  });

  it('rotates at log_max_bytes to <file>.1, keeping at most two files, the newest lines intact', async () => {
    const file = path.join(scratch, 'bounded.log');
    setOptions(shim, { log: file, log_max_bytes: 4096, port: await closedPort() });
    const input = Buffer.from(request3101Text());
    for (let i = 0; i < 150; ++i) {
      expect((await shim.call('utf8', Buffer.from('3101'), input, 4096)).rc).toBe(RC.failOpen);
    }
    expect(fs.statSync(file).size).toBeLessThanOrEqual(4096);
    expect(fs.statSync(`${file}.1`).size).toBeLessThanOrEqual(4096);
    expect(fs.statSync(`${file}.1`).size).toBeGreaterThan(4096 - 200);
    expect(fs.existsSync(`${file}.2`)).toBe(false);
    const kept = [...logLines(`${file}.1`), ...logLines(file)];
    for (const line of kept) expect(line).toMatch(FAILOPEN_LINE);
    // 150 lines of ~130 bytes do not fit in 2 × 4096: the oldest went, the newest (breaker_open) is last.
    expect(kept.length).toBeLessThan(150);
    expect(kept.at(-1)).toMatch(/reason=breaker_open/);
  });

  it.each([
    ['a missing directory', (dir: string) => path.join(dir, 'no-such-dir', 'x.log')],
    ['a directory', (dir: string) => dir],
    [
      'a FIFO nobody reads',
      (dir: string) => {
        const fifo = path.join(dir, 'fifo.log');
        expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
        return fifo;
      },
    ],
  ])('a log at %s cannot be written: the call fails open as fast as without one', async (_label, target) => {
    const dir = fs.mkdtempSync(path.join(scratch, 'unwritable-'));
    setOptions(shim, { log: target(dir), port: await closedPort() });
    const outcome = await shim.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096);
    expect(outcome.rc).toBe(RC.failOpen);
    expect(outcome.elapsedMs).toBeLessThan(50);
  });
});

describe('prealert.ini', () => {
  it('applies a value followed by a ; or # comment, and logs the lines it cannot use', async () => {
    const silent = await silentPeer();
    peers.push(silent);
    const libraryDir = fs.mkdtempSync(path.join(scratch, 'ini-'));
    const file = path.join(libraryDir, 'shim.log');
    fs.writeFileSync(
      path.join(libraryDir, 'prealert.ini'),
      [
        '[prealert]',
        `log = ${file} ; IT diagnostics`,
        `port = ${silent.port}   # the hung test peer`,
        'timeout_ms_3101 = 250 ; 3101 deadline',
        'token = ab#cd;ef',
        'timeout_ms_3102 = fast',
        'nonsense line',
        'tiemout_ms_3103 = 300',
        // Relative paths, refused as log's is: the HIS's working directory is no place the sidecar knows.
        'data_dir = ~doctor/.local/share/prealert',
        'spool_dir = spool ; beside the HIS',
        'token_file = prealert-token.txt',
        '',
      ].join('\r\n'),
    );
    const copy = loadShimCopy(libraryDir);
    // The environment is read with the ini, at the first call: a relative path there is refused the same way.
    process.env.PREALERT_SPOOL_DIR = 'spool';
    let outcome: Awaited<ReturnType<ShimLibrary['call']>>;
    try {
      outcome = await copy.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096);
    } finally {
      delete process.env.PREALERT_SPOOL_DIR;
    }
    expect(outcome.rc).toBe(RC.failOpen);
    expect(outcome.output.toString('utf8')).toContain('"reason":"sidecar_timeout","code":250');
    expect(outcome.elapsedMs).toBeLessThan(250 + 100);
    // A ; or # inside a value (no blank before it) is part of the value.
    const answering = await httpPeer((_req, res) => res.end(OK_ENVELOPE));
    peers.push(answering);
    expect(copy.setOption('port', String(answering.port))).toBe(RC.ok);
    expect((await copy.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096)).rc).toBe(RC.ok);
    expect(answering.requests[0]?.headers['x-prealert-token']).toBe('ab#cd;ef');

    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(
      / config build=\S+ platform=\S+ ini=read problems=7 port=\d+ connect_timeout_ms=150 timeout_ms_3101=250 /,
    );
    expect(text).toMatch(/ config .* data_dir=default /);
    expect(text).toMatch(/config_problem ini_line=6 name=timeout_ms_3102 problem=invalid_value\n/);
    expect(text).toMatch(/config_problem ini_line=7 name=nonsense\?line problem=unknown_option\n/);
    expect(text).toMatch(/config_problem ini_line=8 name=tiemout_ms_3103 problem=unknown_option\n/);
    expect(text).toMatch(/config_problem ini_line=9 name=data_dir problem=invalid_value\n/);
    expect(text).toMatch(/config_problem ini_line=10 name=spool_dir problem=invalid_value\n/);
    expect(text).toMatch(/config_problem ini_line=11 name=token_file problem=invalid_value\n/);
    expect(text).toMatch(/config_problem environment name=PREALERT_SPOOL_DIR problem=invalid_value\n/);
    expect(text).toMatch(/failopen infno=3101 charset=utf-8 reason=sidecar_timeout code=250 /);
  });
});

// A path that cannot be read (too long for the shim's buffers, or not text in any code page the machine has) is
// refused alone: every other line and variable is still applied, and the value before it stays in force whole.
describe('a path option that cannot be read', () => {
  /** An absolute path longer than the shim's 1024-byte buffers for a value and a path. */
  const tooLong = `/${'x'.repeat(1100)}`;

  it('from set_option: refused with -4, the data_dir before it still in force', async () => {
    const answering = await httpPeer((_req, res) => res.end(OK_ENVELOPE));
    peers.push(answering);
    const dataDir = fs.mkdtempSync(path.join(scratch, 'data-'));
    fs.writeFileSync(path.join(dataDir, 'port'), `${answering.port}\n`);
    setOptions(shim, { data_dir: dataDir });
    expect(shim.setOption('data_dir', tooLong)).toBe(RC.option);
    expect((await shim.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096)).rc).toBe(RC.ok);
    expect(answering.requests).toHaveLength(1);
  });

  it('from prealert.ini on Linux: a line in GBK or too long is skipped alone, the other lines are applied', async () => {
    const answering = await httpPeer((_req, res) => res.end(OK_ENVELOPE));
    peers.push(answering);
    const libraryDir = fs.mkdtempSync(path.join(scratch, 'ini-unreadable-'));
    const file = path.join(libraryDir, 'shim.log');
    const dataDir = fs.mkdtempSync(path.join(scratch, 'data-'));
    const spoolDir = path.join(scratch, 'ini-kept-spool');
    // 医院 in GBK (D2BD D4BA) then 数据 (CAFD BEDD): not UTF-8, and Linux has no other code page to read it in.
    const gbkPath = Buffer.concat([
      Buffer.from(`${scratch}/`),
      Buffer.from([0xd2, 0xbd, 0xd4, 0xba, 0xca, 0xfd, 0xbe, 0xdd]),
    ]);
    const lines = [
      Buffer.from(`log = ${file}`),
      Buffer.from(`port = ${answering.port}`),
      Buffer.from('token = f00dfeedf00dfeed'),
      Buffer.from(`spool_dir = ${spoolDir}`),
      Buffer.concat([Buffer.from('spool_dir = '), gbkPath]),
      Buffer.from(`data_dir = ${dataDir}`),
      Buffer.from(`data_dir = ${tooLong}`),
      Buffer.from(''),
    ];
    fs.writeFileSync(
      path.join(libraryDir, 'prealert.ini'),
      Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])),
    );
    const copy = loadShimCopy(libraryDir);
    expect((await copy.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096)).rc).toBe(RC.ok);
    expect(answering.requests).toHaveLength(1);
    expect(answering.requests[0]?.headers['x-prealert-token']).toBe('f00dfeedf00dfeed');

    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/ config build=\S+ platform=\S+ ini=read problems=2 port=\d+ /);
    expect(text).toMatch(/ config .* data_dir=set /);
    expect(text).toContain(` dir="${dataDir}"`);
    expect(text).toMatch(/config_problem ini_line=5 name=spool_dir problem=invalid_value\n/);
    expect(text).toMatch(/config_problem ini_line=7 name=data_dir problem=invalid_value\n/);

    // The spool_dir before the unreadable one is the one a 3103 that fails open goes to.
    expect(copy.setOption('port', String(await closedPort()))).toBe(RC.ok);
    expect(copy.setOption('spool_max_bytes', '1000000')).toBe(RC.ok);
    const decision = JSON.stringify(request3103(['JR-INI-KEPT-0001']));
    const outcome = await copy.call('utf8', Buffer.from('3103'), Buffer.from(decision), 4096);
    expect(outcome.output.toString('utf8')).toContain('"spooled":true');
    expect(fs.readdirSync(spoolDir).filter((name) => name.endsWith('-3103.req'))).toHaveLength(1);
  });

  it('from the environment: a PREALERT_DATA_DIR too long to read is named in the log, the ini data_dir kept', async () => {
    const answering = await httpPeer((_req, res) => res.end(OK_ENVELOPE));
    peers.push(answering);
    const libraryDir = fs.mkdtempSync(path.join(scratch, 'env-too-long-'));
    const file = path.join(libraryDir, 'shim.log');
    const dataDir = fs.mkdtempSync(path.join(scratch, 'data-'));
    fs.writeFileSync(path.join(dataDir, 'port'), `${answering.port}\n`);
    fs.writeFileSync(path.join(libraryDir, 'prealert.ini'), `log = ${file}\ndata_dir = ${dataDir}\n`);
    const copy = loadShimCopy(libraryDir);
    process.env.PREALERT_DATA_DIR = tooLong;
    try {
      expect((await copy.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096)).rc).toBe(RC.ok);
    } finally {
      delete process.env.PREALERT_DATA_DIR;
    }
    expect(answering.requests).toHaveLength(1);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/ config .* problems=1 /);
    expect(text).toMatch(/config_problem environment name=PREALERT_DATA_DIR problem=invalid_value\n/);
  });
});

/** Runs `body` with process.env changed as given (undefined: unset), and puts every variable back afterwards. */
async function withEnv<T>(changes: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(changes).map((name) => [name, process.env[name]]));
  const assign = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  assign(changes);
  try {
    return await body();
  } finally {
    assign(before);
  }
}

// PREALERT_DATA_DIR is set machine-wide for the HIS and the sidecar alike, and the sidecar reads `~/…` against the
// account's home (sidecar/src/config/path-setting.ts). The shim refused it as relative and kept its default data dir:
// no port file or token where the sidecar wrote them, and 3103s spooled where the sidecar never replays them.
describe("a path option under ~/: the account's home, as the sidecar reads it", () => {
  const TOKEN = 'tilde-token-5c1e0a9b77';

  it('PREALERT_DATA_DIR=~/…: the port file and token a real sidecar wrote there, and a 3103 spooled there while it is down', async () => {
    const home = fs.mkdtempSync(path.join(scratch, 'home-'));
    const dataDir = path.join(home, 'prealert-data');
    const libraryDir = fs.mkdtempSync(path.join(scratch, 'env-tilde-'));
    const file = path.join(libraryDir, 'shim.log');
    fs.writeFileSync(path.join(libraryDir, 'prealert.ini'), `log = ${file}\nspool_max_bytes = 1000000\n`);
    const environment = { HOME: home, PREALERT_DATA_DIR: '~/prealert-data', XDG_DATA_HOME: undefined };
    const sidecar = await startSidecar(
      { HOME: home, PREALERT_DATA_DIR: '~/prealert-data', PREALERT_SHIM_TOKEN: TOKEN },
      { dataDir },
    );
    const copy = loadShimCopy(libraryDir);
    try {
      await withEnv(environment, async () => {
        // The sidecar asks for its token (401 without it): answered means the port file's both lines were read.
        const answered = await copy.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 65536);
        expect(answered.rc, sidecar.log()).toBe(RC.ok);
        expect(answered.output.toString('utf8')).toContain('"infcode":0');
      });
    } finally {
      await sidecar.stop();
    }
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/ config .* problems=0 .* data_dir=set /);
    expect(text).toContain(` dir="${dataDir}"`);

    // Stopped: its database stays, its port file goes. The decision is kept where that sidecar replays it.
    const decision = JSON.stringify(request3103(['JR-TILDE-0001']));
    const kept = await withEnv(environment, () => copy.call('utf8', Buffer.from('3103'), Buffer.from(decision), 4096));
    expect(kept.rc).toBe(RC.failOpen);
    expect(kept.output.toString('utf8')).toContain('"reason":"sidecar_unreachable","code":0,"spooled":true');
    const spooled = fs.readdirSync(path.join(dataDir, 'spool')).filter((name) => name.endsWith('-3103.req'));
    expect(spooled).toHaveLength(1);
    expect(fs.readFileSync(path.join(dataDir, 'spool', spooled[0] ?? '')).toString('utf8')).toContain('JR-TILDE-0001');
  }, 90_000);

  it('one rule for every source and path option: prealert.ini, set_option, data_dir, spool_dir, token_file, log', async () => {
    const home = fs.mkdtempSync(path.join(scratch, 'home-'));
    const fromIni = await httpPeer((_req, res) => res.end(OK_ENVELOPE));
    const fromOption = await httpPeer((_req, res) => res.end(OK_ENVELOPE));
    peers.push(fromIni, fromOption);
    for (const [folder, port] of [
      ['ini-data', fromIni.port],
      ['option-data', fromOption.port],
    ] as const) {
      fs.mkdirSync(path.join(home, folder));
      fs.writeFileSync(path.join(home, folder, 'port'), `${port}\n`);
    }
    fs.writeFileSync(path.join(home, 'token.txt'), 'feedf00dfeedf00d\n');
    const libraryDir = fs.mkdtempSync(path.join(scratch, 'ini-tilde-'));
    fs.writeFileSync(
      path.join(libraryDir, 'prealert.ini'),
      ['log = ~/shim.log', 'data_dir = ~/ini-data', 'token_file = ~/token.txt', ''].join('\n'),
    );
    await withEnv({ HOME: home, PREALERT_DATA_DIR: undefined, XDG_DATA_HOME: undefined }, async () => {
      const copy = loadShimCopy(libraryDir);
      expect((await copy.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096)).rc).toBe(RC.ok);
      expect(fromIni.requests).toHaveLength(1);
      expect(fromIni.requests[0]?.headers['x-prealert-token']).toBe('feedf00dfeedf00d');

      expect(copy.setOption('data_dir', '~/option-data')).toBe(RC.ok);
      expect((await copy.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096)).rc).toBe(RC.ok);
      expect(fromOption.requests).toHaveLength(1);
      // Another account's home is not looked up, as in the sidecar: refused, the ~/ one before kept.
      expect(copy.setOption('data_dir', '~doctor/prealert')).toBe(RC.option);
      expect((await copy.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096)).rc).toBe(RC.ok);
      expect(fromOption.requests).toHaveLength(2);

      setOptions(copy, { port: await closedPort(), spool_dir: '~/spool-here', spool_max_bytes: 1_000_000 });
      const decision = JSON.stringify(request3103(['JR-TILDE-0002']));
      const kept = await copy.call('utf8', Buffer.from('3103'), Buffer.from(decision), 4096);
      expect(kept.output.toString('utf8')).toContain('"spooled":true');
      expect(fs.readdirSync(path.join(home, 'spool-here')).filter((n) => n.endsWith('-3103.req'))).toHaveLength(1);
    });
    // The log named by `log = ~/…` in the ini, with the data dir it chose under the home.
    const text = fs.readFileSync(path.join(home, 'shim.log'), 'utf8');
    expect(text).toMatch(/ config .* problems=0 /);
    expect(text).toContain(` dir="${path.join(home, 'ini-data')}"`);
    expect(text).toMatch(/config_problem set_option name=data_dir problem=invalid_value\n/);
  });
});

// A data_dir the shim cannot append its file names to: a data_dir of 1023 bytes was taken, then `port` and the spool
// file could not be named, so the shim tried 17311 and spooled nothing, and nothing said why. Refused when set now.
// Whether a data_dir must hold the spool depends on spool_dir: the ini and the environment are judged whole, in any
// order; set_option refuses any call that would leave no place to spool (a data_dir of 941-1007 bytes before its
// spool_dir, `spool_dir = ""` beside one), where it took them and every 3103 that failed open was lost.
describe('a data_dir or spool_dir too long to hold its files', () => {
  /** The longest name a spool file is written under on Linux (spool.h SPOOL_TEMP_NAME_MAX: `.<71>.tmp`, the name
   * `%015lld-%lu-%ld-3103.req` at its widest with 64-bit long) and the shim's path buffer on Linux (NUL included). */
  const SPOOL_TEMP_NAME = 76;
  const PATH_MAX = 1024;
  const LONGEST_DATA_DIR = PATH_MAX - 1 - '/spool/'.length - SPOOL_TEMP_NAME;
  const LONGEST_SPOOL_DIR = PATH_MAX - 1 - '/'.length - SPOOL_TEMP_NAME;
  /** With spool_dir set the data dir holds only the sidecar's files, the longest its database's name. */
  const LONGEST_DATA_DIR_SPOOLING_ELSEWHERE = PATH_MAX - 1 - '/prealert.sqlite'.length;
  /** Room for the rotation's `.1`. */
  const LONGEST_LOG = PATH_MAX - 1 - '.1'.length;

  /** An existing absolute folder exactly `length` bytes long, under the scratch folder. */
  function folderOfLength(length: number): string {
    let folder = fs.mkdtempSync(path.join(scratch, 'long-'));
    while (folder.length < length) {
      const segment = Math.min(200, length - folder.length - 1);
      folder = path.join(folder, 'd'.repeat(Math.max(segment, 1)));
    }
    expect(folder).toHaveLength(length);
    fs.mkdirSync(folder, { recursive: true });
    return folder;
  }

  it('from set_option: -4 with the data_dir before it kept; the longest it takes still holds a spooled 3103', async () => {
    const answering = await httpPeer((_req, res) => res.end(OK_ENVELOPE));
    peers.push(answering);
    const dataDir = fs.mkdtempSync(path.join(scratch, 'data-'));
    fs.writeFileSync(path.join(dataDir, 'port'), `${answering.port}\n`);
    const logFile = path.join(scratch, 'too-long.log');
    setOptions(shim, { log: logFile, data_dir: dataDir });
    for (const length of [1023, 1010, LONGEST_DATA_DIR_SPOOLING_ELSEWHERE + 1]) {
      expect(shim.setOption('data_dir', `/${'x'.repeat(length - 1)}`), `data_dir of ${length} bytes`).toBe(RC.option);
    }
    expect((await shim.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096)).rc).toBe(RC.ok);
    expect(answering.requests).toHaveLength(1);
    const refusals = logLines(logFile).filter((line) => line.includes(' config_problem '));
    expect(refusals).toHaveLength(3);
    for (const line of refusals) expect(line).toMatch('config_problem set_option name=data_dir problem=invalid_value');

    // Not one byte too strict: a data_dir of the longest length taken spools a 3103 under its own `spool`.
    const longest = folderOfLength(LONGEST_DATA_DIR);
    setOptions(shim, { data_dir: longest, port: await closedPort(), spool_max_bytes: 1_000_000 });
    const decision = JSON.stringify(request3103(['JR-LONG-0001']));
    const kept = await shim.call('utf8', Buffer.from('3103'), Buffer.from(decision), 4096);
    expect(kept.output.toString('utf8')).toContain('"spooled":true');
    expect(fs.readdirSync(path.join(longest, 'spool')).filter((n) => n.endsWith('-3103.req'))).toHaveLength(1);
  });

  it('a spool_dir: the longest taken holds a 3103, one byte more is refused with the one before kept', async () => {
    const longest = folderOfLength(LONGEST_SPOOL_DIR);
    setOptions(shim, { spool_dir: longest, port: await closedPort(), spool_max_bytes: 1_000_000 });
    expect(shim.setOption('spool_dir', `${longest}x`)).toBe(RC.option);
    expect(shim.setOption('spool_dir', `/${'x'.repeat(1022)}`)).toBe(RC.option);
    const decision = JSON.stringify(request3103(['JR-LONG-0002']));
    const kept = await shim.call('utf8', Buffer.from('3103'), Buffer.from(decision), 4096);
    expect(kept.output.toString('utf8')).toContain('"spooled":true');
    expect(fs.readdirSync(longest).filter((n) => n.endsWith('-3103.req'))).toHaveLength(1);
  });

  /** A data dir of `length` bytes whose port file names a peer that answers, and a spool_dir beside it. */
  async function longDataDirBesideSpoolDir(length: number): Promise<{ dataDir: string; spoolDir: string; peer: Peer }> {
    const peer = await httpPeer((_req, res) => res.end(OK_ENVELOPE));
    peers.push(peer);
    const dataDir = folderOfLength(length);
    fs.writeFileSync(path.join(dataDir, 'port'), `${peer.port}\n`);
    return { dataDir, spoolDir: fs.mkdtempSync(path.join(scratch, 'spool-')), peer };
  }

  /** The port file in `dataDir` found (its peer answers a 3101), and a 3103 to a closed port spooled in `spoolDir`. */
  async function expectInForce(library: ShimLibrary, dataDir: string, spoolDir: string, peer: Peer): Promise<void> {
    const answered = await library.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096);
    expect(answered.rc, `port file in the data_dir of ${dataDir.length}`).toBe(RC.ok);
    expect(peer.requests).toHaveLength(1);
    setOptions(library, { port: await closedPort(), spool_max_bytes: 1_000_000 });
    const decision = JSON.stringify(request3103([`JR-ORDER-${dataDir.length}`]));
    const kept = await library.call('utf8', Buffer.from('3103'), Buffer.from(decision), 4096);
    expect(kept.output.toString('utf8')).toContain('"spooled":true');
    expect(fs.readdirSync(spoolDir).filter((n) => n.endsWith('-3103.req'))).toHaveLength(1);
    expect(fs.existsSync(path.join(dataDir, 'spool'))).toBe(false);
  }

  it.each([LONGEST_DATA_DIR + 1, LONGEST_DATA_DIR_SPOOLING_ELSEWHERE])(
    'set_option: a data_dir of %i bytes set after its spool_dir is taken (0) and in force, one of 1008 refused',
    async (length) => {
      const { dataDir, spoolDir, peer } = await longDataDirBesideSpoolDir(length);
      expect(shim.setOption('spool_dir', spoolDir)).toBe(RC.ok);
      expect(shim.setOption('data_dir', dataDir)).toBe(RC.ok);
      expect(shim.setOption('data_dir', `/${'x'.repeat(LONGEST_DATA_DIR_SPOOLING_ELSEWHERE)}`)).toBe(RC.option);
      await expectInForce(shim, dataDir, spoolDir, peer);
    },
  );

  describe.each([
    ['spool_dir first', ['spool_dir', 'data_dir']],
    ['data_dir first', ['data_dir', 'spool_dir']],
  ] as const)('beside a spool_dir, set with %s', (_order, names) => {
    it.each([LONGEST_DATA_DIR + 1, LONGEST_DATA_DIR_SPOOLING_ELSEWHERE])(
      'prealert.ini: a data_dir of %i bytes is applied whichever line comes first',
      async (length) => {
        const { dataDir, spoolDir, peer } = await longDataDirBesideSpoolDir(length);
        const libraryDir = fs.mkdtempSync(path.join(scratch, 'ini-order-'));
        const file = path.join(libraryDir, 'shim.log');
        const values = { data_dir: dataDir, spool_dir: spoolDir };
        const lines = names.map((name) => `${name} = ${values[name]}`);
        fs.writeFileSync(path.join(libraryDir, 'prealert.ini'), `log = ${file}\n${lines.join('\n')}\n`);
        const copy = loadShimCopy(libraryDir);
        await expectInForce(copy, dataDir, spoolDir, peer);
        const text = fs.readFileSync(file, 'utf8');
        // The port file there was found (expectInForce): the data_dir is in force, its line too long to print whole.
        expect(text).toMatch(/ config .* problems=0 .* data_dir=set /);
      },
    );
  });

  it('prealert.ini: one byte over 1007 is refused whichever line comes first, the data_dir before kept', async () => {
    const { dataDir, spoolDir, peer } = await longDataDirBesideSpoolDir(LONGEST_DATA_DIR_SPOOLING_ELSEWHERE);
    for (const [index, spoolFirst] of [true, false].entries()) {
      const libraryDir = fs.mkdtempSync(path.join(scratch, 'ini-over-'));
      const file = path.join(libraryDir, 'shim.log');
      const tooLong = `data_dir = ${dataDir}x`;
      const spool = `spool_dir = ${spoolDir}`;
      const lines = [`log = ${file}`, `data_dir = ${dataDir}`, ...(spoolFirst ? [spool, tooLong] : [tooLong, spool])];
      fs.writeFileSync(path.join(libraryDir, 'prealert.ini'), `${lines.join('\n')}\n`);
      const copy = loadShimCopy(libraryDir);
      expect((await copy.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096)).rc).toBe(RC.ok);
      expect(peer.requests).toHaveLength(index + 1);
      const text = fs.readFileSync(file, 'utf8');
      expect(text).toMatch(/ config .* problems=1 .* data_dir=set /);
      expect(text).toMatch(`config_problem ini_line=${spoolFirst ? 4 : 3} name=data_dir problem=invalid_value\n`);
    }
  });

  it('a data_dir in prealert.ini and PREALERT_SPOOL_DIR, read after it, taken together', async () => {
    const { dataDir, spoolDir, peer } = await longDataDirBesideSpoolDir(LONGEST_DATA_DIR_SPOOLING_ELSEWHERE);
    const libraryDir = fs.mkdtempSync(path.join(scratch, 'ini-env-'));
    const file = path.join(libraryDir, 'shim.log');
    fs.writeFileSync(path.join(libraryDir, 'prealert.ini'), `log = ${file}\ndata_dir = ${dataDir}\n`);
    await withEnv({ PREALERT_SPOOL_DIR: spoolDir, PREALERT_DATA_DIR: undefined }, async () => {
      const copy = loadShimCopy(libraryDir);
      await expectInForce(copy, dataDir, spoolDir, peer);
    });
    expect(fs.readFileSync(file, 'utf8')).toMatch(/ config .* problems=0 .* data_dir=set /);
  });

  /** A data dir whose port file names a peer that answers, short enough to hold the spool. */
  async function answeringDataDir(): Promise<{ dataDir: string; peer: Peer }> {
    const peer = await httpPeer((_req, res) => res.end(OK_ENVELOPE));
    peers.push(peer);
    const dataDir = fs.mkdtempSync(path.join(scratch, 'data-'));
    fs.writeFileSync(path.join(dataDir, 'port'), `${peer.port}\n`);
    return { dataDir, peer };
  }

  it('set_option with no spool_dir: a data_dir of 940 bytes taken, 941 refused (-4, no_room_for_spool), the one before kept and spooling', async () => {
    const { dataDir, peer } = await answeringDataDir();
    const logFile = path.join(scratch, 'no-room-data-dir.log');
    setOptions(shim, { log: logFile });
    expect(shim.setOption('data_dir', folderOfLength(LONGEST_DATA_DIR))).toBe(RC.ok);
    expect(shim.setOption('data_dir', dataDir)).toBe(RC.ok);
    const tooLong = folderOfLength(LONGEST_DATA_DIR + 1);
    expect(shim.setOption('data_dir', tooLong)).toBe(RC.option);
    expect(logLines(logFile).at(-1)).toMatch(/ config_problem set_option name=data_dir problem=no_room_for_spool$/);
    // The data_dir before is in force: its port file is found, and a 3103 that fails open is spooled under it.
    expect((await shim.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096)).rc).toBe(RC.ok);
    expect(peer.requests).toHaveLength(1);
    setOptions(shim, { port: await closedPort(), spool_max_bytes: 1_000_000 });
    const decision = JSON.stringify(request3103(['JR-LONG-0003']));
    const kept = await shim.call('utf8', Buffer.from('3103'), Buffer.from(decision), 4096);
    expect(kept.output.toString('utf8')).toContain('"spooled":true');
    expect(fs.readdirSync(path.join(dataDir, 'spool')).filter((n) => n.endsWith('-3103.req'))).toHaveLength(1);
    expect(fs.existsSync(path.join(tooLong, 'spool'))).toBe(false);
  });

  it('set_option: spool_dir "" refused (-4) beside a data_dir of 941 bytes with the spool_dir kept, taken beside 940', async () => {
    const { dataDir, spoolDir, peer } = await longDataDirBesideSpoolDir(LONGEST_DATA_DIR + 1);
    const logFile = path.join(scratch, 'no-room-spool-dir.log');
    setOptions(shim, { log: logFile, spool_dir: spoolDir, data_dir: dataDir });
    expect(shim.setOption('spool_dir', '')).toBe(RC.option);
    expect(logLines(logFile).at(-1)).toMatch(/ config_problem set_option name=spool_dir problem=no_room_for_spool$/);
    await expectInForce(shim, dataDir, spoolDir, peer);
    // Beside a data_dir that holds the spool, the default spool_dir is taken.
    const fitting = folderOfLength(LONGEST_DATA_DIR);
    setOptions(shim, { data_dir: fitting });
    expect(shim.setOption('spool_dir', '')).toBe(RC.ok);
    const decision = JSON.stringify(request3103(['JR-LONG-0004']));
    const kept = await shim.call('utf8', Buffer.from('3103'), Buffer.from(decision), 4096);
    expect(kept.output.toString('utf8')).toContain('"spooled":true');
    expect(fs.readdirSync(path.join(fitting, 'spool')).filter((n) => n.endsWith('-3103.req'))).toHaveLength(1);
  });

  it('prealert.ini: after more than 8 data_dir lines that cannot hold the spool, the last one that can is in force', async () => {
    const { dataDir, peer } = await answeringDataDir();
    const tooLong = folderOfLength(LONGEST_DATA_DIR + 1);
    const libraryDir = fs.mkdtempSync(path.join(scratch, 'ini-many-'));
    const file = path.join(libraryDir, 'shim.log');
    const lines = [
      `log = ${file}`,
      `data_dir = ${dataDir}`,
      ...Array.from({ length: 9 }, () => `data_dir = ${tooLong}`),
    ];
    fs.writeFileSync(path.join(libraryDir, 'prealert.ini'), `${lines.join('\n')}\n`);
    const copy = loadShimCopy(libraryDir);
    expect((await copy.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096)).rc).toBe(RC.ok);
    expect(peer.requests).toHaveLength(1);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/ config .* problems=9 .* data_dir=set /);
    expect(text).toContain(` dir="${dataDir}"`);
    expect(text).toMatch(/config_problem ini_line=3 name=data_dir problem=no_room_for_spool\n/);
  });

  it('a log: the longest taken rotates to <log>.1, one byte more is refused with the one before kept', async () => {
    const folder = folderOfLength(LONGEST_LOG - '/shim-0.log'.length);
    const longest = path.join(folder, 'shim-0.log');
    expect(longest).toHaveLength(LONGEST_LOG);
    setOptions(shim, { log: longest, log_max_bytes: 4096, port: await closedPort() });
    expect(shim.setOption('log', `${longest}x`)).toBe(RC.option);
    for (let i = 0; i < 40; i += 1) {
      await shim.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096);
    }
    expect(fs.existsSync(`${longest}.1`)).toBe(true);
    expect(logLines(`${longest}.1`).length).toBeGreaterThan(10);
    expect(logLines(longest).at(-1)).toMatch(FAILOPEN_LINE);
  });

  it('from prealert.ini and PREALERT_DATA_DIR with no spool_dir: named in a config_problem line, the data_dir before kept', async () => {
    const answering = await httpPeer((_req, res) => res.end(OK_ENVELOPE));
    peers.push(answering);
    const dataDir = fs.mkdtempSync(path.join(scratch, 'data-'));
    fs.writeFileSync(path.join(dataDir, 'port'), `${answering.port}\n`);
    const libraryDir = fs.mkdtempSync(path.join(scratch, 'ini-too-long-'));
    const file = path.join(libraryDir, 'shim.log');
    fs.writeFileSync(
      path.join(libraryDir, 'prealert.ini'),
      `log = ${file}\ndata_dir = ${dataDir}\ndata_dir = /${'x'.repeat(1000)}\n`,
    );
    const copy = loadShimCopy(libraryDir);
    await withEnv({ PREALERT_DATA_DIR: `/${'y'.repeat(1000)}` }, async () => {
      expect((await copy.call('utf8', Buffer.from('3101'), Buffer.from(request3101Text()), 4096)).rc).toBe(RC.ok);
    });
    expect(answering.requests).toHaveLength(1);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/ config .* problems=2 .* data_dir=set /);
    expect(text).toContain(` dir="${dataDir}"`);
    expect(text).toMatch(/config_problem ini_line=3 name=data_dir problem=no_room_for_spool\n/);
    expect(text).toMatch(/config_problem environment name=PREALERT_DATA_DIR problem=no_room_for_spool\n/);
  });
});
