// The Windows DLLs running under Debian's wine against the real (Linux) sidecar: the x64 DLL under
// wine64 whenever wine is installed; the x86 (__stdcall) DLL under wine32 in an i386 debootstrap
// chroot when one has been provisioned (see README). Wine may exit 0 when a program did not run, so
// every check reads the program's own PASS/FAIL lines.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShim } from './support/build-once';
import { httpPeer, httpPeerOn, OK_ENVELOPE, type Peer, silentPeer } from './support/fault-peer';
import { loadPerCallLines, loadPerCallReasons } from './support/load-per-call';
import { maleOnlyDrugs, type ResponseEnvelope, request3101 } from './support/national-requests';
import { BUILD_DIR, windowsArtefacts as paths, SHIM_DIR } from './support/paths';
import { sidecarBuild } from './support/sidecar-build';
import { closedPort, type RunningSidecar, startSidecar } from './support/sidecar-process';
import { decodeFrom, encodeFor } from './support/text-codec';
import { runCommand, WINE64, WinePrefix, winePath } from './support/wine';

const RARE = '\u{20000}';
const WINE32_CHROOT = path.join(SHIM_DIR, 'scripts', 'wine32-chroot.sh');
const SEX_RULE = 'GZ10000301004000';

let prefix: WinePrefix | undefined;
let sidecar: RunningSidecar | undefined;
let skipReason: string | undefined;

beforeAll(async () => {
  buildShim();
  const exe = paths('x64').smoke;
  if (!fs.existsSync(WINE64)) {
    skipReason = `${WINE64} not installed (run scripts/install-shim-toolchain.sh)`;
  } else if (!fs.existsSync(exe)) {
    skipReason = `${exe} not built: no x86_64-w64-mingw32-gcc (run scripts/install-shim-toolchain.sh)`;
  } else {
    prefix = new WinePrefix();
    // The first run creates the prefix; a program that cannot start prints nothing of its own.
    const probe = await prefix.run(WINE64, [winePath(exe)]);
    if (!probe.stdout.toString().includes('FAIL usage')) {
      skipReason = `wine64 cannot run programs here (status ${probe.status}): ${probe.stderr.trim().slice(-300)}`;
    }
  }
  if (skipReason) {
    console.log(`SKIPPED: wine lane: ${skipReason}`);
    return;
  }
  sidecar = await startSidecar();
}, 180_000);

afterAll(async () => {
  await sidecar?.stop();
  prefix?.dispose();
});

describe('prealert.dll x64 under wine64', () => {
  it('every export works against the real sidecar: 8 threads at cold start, UTF-8, GB18030 and UTF-16 with 𠀀, caller errors, fail-open', async (ctx) => {
    if (skipReason || !prefix || !sidecar) return ctx.skip(skipReason);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-wine-io-'));
    try {
      const drug = maleOnlyDrugs()[0]!;
      const request = JSON.stringify(request3101([drug], { patnId: `P${RARE}01`, patnName: `${RARE}丽` }));
      fs.writeFileSync(path.join(work, 'req_utf8.bin'), encodeFor('utf8', request));
      fs.writeFileSync(path.join(work, 'req_gbk.bin'), encodeFor('gbk', request));
      fs.writeFileSync(path.join(work, 'req_w.bin'), encodeFor('w', request));
      fs.writeFileSync(path.join(work, 'expect_utf8.txt'), expectedAnswer(drug.name));

      const { dll, smoke } = paths('x64');
      const run = await prefix.run(
        WINE64,
        [winePath(smoke), winePath(dll), String(sidecar.port), String(await closedPort()), winePath(work)],
        120_000,
        { PREALERT_PORT: String(sidecar.port) },
      );
      const stdout = run.stdout.toString();
      const lines = stdout.split(/\r?\n/);
      console.log(lines.find((l) => l.includes('threads_cold_start')));
      expect(
        lines.filter((l) => l.startsWith('FAIL ')),
        stdout,
      ).toEqual([]);
      for (const check of [
        'threads_cold_start 680/680',
        'export prealert_call',
        'export prealert_call_gbk',
        'export prealert_call_w',
        'export prealert_version',
        'export prealert_set_option',
        'version',
        'call_utf8',
        'call_gbk',
        'call_w',
        'after_wsacleanup',
        'small_buffer',
        'null_output',
        'bad_infno',
        'failopen_unreachable',
        'failopen_breaker_w',
        'absolute_path_options_taken',
        'relative_path_options_refused',
        'spool_3103_w',
        'max_path_limits',
        'path_options_need_spool_dir_first',
        'set_option_no_room_for_spool',
        'ini_path_options_any_order',
      ]) {
        expect(
          lines.some((l) => l.startsWith(`PASS ${check}`)),
          `PASS ${check} in:\n${stdout}`,
        ).toBe(true);
      }
      expect(stdout).toContain('ALL PASS');
      // The build the sidecar of this checkout names (a DLL kept from an older commit named that one).
      expect(stdout).toContain(`VERSION prealert-shim ${sidecarBuild()} proto=1 win-x64`);

      // The DLL's spool (CreateFileW, FlushFileBuffers, MoveFileExW) left exactly one complete file.
      const spooled = fs.readdirSync(path.join(work, 'spool'));
      expect(spooled).toHaveLength(1);
      expect(spooled[0]).toMatch(/^\d{15}-\d+-1-3103\.req$/);
      const bytes = fs.readFileSync(path.join(work, 'spool', spooled[0]!));
      const headEnd = bytes.indexOf('\n\n');
      expect(bytes.subarray(0, headEnd).toString('latin1')).toMatch(/\ncharset: utf-16le\n/);
      expect(bytes.subarray(headEnd + 2).toString('utf16le')).toBe('{"data":{"warn_type":"1","warns":[]}}');

      for (const flavour of ['utf8', 'gbk', 'w'] as const) {
        const answer = JSON.parse(
          decodeFrom(flavour, fs.readFileSync(path.join(work, `out_${flavour}.bin`))),
        ) as ResponseEnvelope;
        const warning = answer.output.result?.find((r) => r.rule_id === SEX_RULE);
        expect(warning?.patn_id, flavour).toBe(`P${RARE}01`);
        expect(warning?.vola_cont, flavour).toContain(`【${drug.name}】限男性使用`);
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);

  it('the doctor-station example (his_desktop.exe, GBK) shows the warnings and sends 3103', async (ctx) => {
    if (skipReason || !prefix || !sidecar) return ctx.skip(skipReason);
    const { example } = paths('x64');
    const run = await prefix.run(WINE64, [winePath(example), '--port', String(sidecar.port)]);
    // The example is an ANSI (GBK) program: what it prints is GB18030.
    const stdout = decodeFrom('gbk', run.stdout);
    expect(stdout).toContain('3101 rc=0 infcode=0');
    expect(stdout).toMatch(/3101 warnings=[1-9]/);
    expect(stdout).toContain('限男性使用');
    expect(stdout).toContain('3103 rc=0 infcode=0');
    expect(stdout).toContain('prescription saved');
  }, 120_000);

  it('a HIS that loads and frees the DLL around every call: the breaker still opens (nothing listening, a hung sidecar) and answers still arrive', async (ctx) => {
    if (skipReason || !prefix) return ctx.skip(skipReason);
    const { dll, loadPerCall } = paths('x64');
    const run = (port: number, calls: number) =>
      prefix!.run(WINE64, [winePath(loadPerCall), winePath(dll), String(calls)], 120_000, {
        PREALERT_PORT: String(port),
      });
    const refused = (await run(await closedPort(), 5)).stdout.toString();
    console.log(`win-x64 prealert.dll, LoadLibrary/FreeLibrary around each call, nothing listening:\n${refused}`);
    expect(refused).toContain('DONE');
    expect(loadPerCallReasons(refused)).toEqual(['sidecar_unreachable', ...Array(4).fill('breaker_open')]);
    // FreeLibrary left it loaded (pinned at its first call): what keeps the breaker.
    expect(loadPerCallLines(refused).every((l) => l.loadedAfterUnload)).toBe(true);

    const hung = await silentPeer();
    try {
      const stuck = (await run(hung.port, 6)).stdout.toString();
      console.log(`win-x64 prealert.dll, LoadLibrary/FreeLibrary around each call, hung sidecar:\n${stuck}`);
      expect(stuck).toContain('DONE');
      expect(loadPerCallReasons(stuck)).toEqual([
        ...Array(3).fill('sidecar_timeout'),
        ...Array(3).fill('breaker_open'),
      ]);
    } finally {
      await hung.close();
    }

    // Unloaded, the DLL took WS2_32 with it (this program does not import it) without a WSACleanup: under wine
    // every later call then failed open (10038, WSAENOTSOCK) even though the sidecar answered.
    const answering = await answeringPeer();
    try {
      const answered = (await run(answering.port, 4)).stdout.toString();
      console.log(`win-x64 prealert.dll, LoadLibrary/FreeLibrary around each call, answering sidecar:\n${answered}`);
      expect(answered).toContain('DONE');
      expect(loadPerCallLines(answered).map((l) => l.rc)).toEqual([0, 0, 0, 0]);
    } finally {
      await answering.close();
    }
  }, 240_000);
});

describe('prealert.dll x64 for a doctor whose own sidecar is stopped', () => {
  // On a Remote Desktop server another doctor's sidecar may hold the fixed port 17311 (fixed-port-fallback.test.ts
  // has the story): a %LOCALAPPDATA%\\prealert holding a sidecar's records database but no port file says this
  // doctor's sidecar is not running, so 17311 is not tried.
  it('fails open without trying the fixed port 17311', async (ctx) => {
    if (skipReason || !prefix) return ctx.skip(skipReason);
    const users = path.join(prefix.dir, 'drive_c', 'users');
    const dataDirs = fs
      .readdirSync(users)
      .filter((u) => u !== 'Public')
      .map((u) => path.join(users, u, 'AppData', 'Local', 'prealert'));
    expect(dataDirs.length).toBeGreaterThan(0);
    const otherUser = await httpPeerOn(17311, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.end(OK_ENVELOPE);
    });
    try {
      for (const dir of dataDirs) {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'prealert.sqlite'), ''); // what the sidecar leaves; the port file is gone
        fs.rmSync(path.join(dir, 'port'), { force: true });
      }
      const { dll, loadPerCall } = paths('x64');
      const run = await prefix.run(WINE64, [winePath(loadPerCall), winePath(dll), '2'], 120_000, {
        PREALERT_PORT: '',
        PREALERT_DATA_DIR: '',
        PREALERT_SHIM_TOKEN: '',
      });
      const stdout = run.stdout.toString();
      console.log(
        `win-x64 prealert.dll, own sidecar stopped (port 17311 ${otherUser ? 'held by the test' : 'taken'}):\n${stdout}`,
      );
      expect(stdout).toContain('DONE');
      expect(loadPerCallLines(stdout).map((l) => [l.reason, l.code])).toEqual([
        ['sidecar_unreachable', '0'],
        ['sidecar_unreachable', '0'],
      ]);
      expect(otherUser?.requests ?? []).toHaveLength(0);
    } finally {
      await otherUser?.close();
      for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('prealert.dll x64 on a Chinese Windows (ANSI code page 936)', () => {
  // "医院" in GBK is D2 BD D4 BA: two valid two-byte UTF-8 sequences, so a shim that takes any valid UTF-8
  // as UTF-8 reads the directory as "ҽԺ" and never finds the sidecar's port file.
  const DIR_NAME = '医院';
  const TOKEN = 'shim-token-ini-5d0e9b21c7';
  const notepadSaves = {
    ansi: (text: string) => iconv.encode(text, 'gbk'),
    utf8: (text: string) => Buffer.from(text, 'utf8'),
    utf8_bom: (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]),
    unicode: (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
  };

  async function answered3101(guarded: RunningSidecar): Promise<number> {
    const metrics = await (await fetch(`http://127.0.0.1:${guarded.port}/metrics`)).text();
    let total = 0;
    for (const line of metrics.split('\n')) {
      if (line.startsWith('prealert_requests_total{') && line.includes('infno="3101"'))
        total += Number(line.split(' ')[1]);
    }
    return total;
  }

  it('finds a data dir named in Chinese through prealert.ini saved as ANSI, UTF-8, UTF-8 with BOM or Unicode, and through --data-dir', async (ctx) => {
    if (skipReason || !prefix) return ctx.skip(skipReason);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-wine-ini-'));
    // Wine takes the ANSI code page from the Unix locale, and maps Chinese file names only in a UTF-8 one: a
    // zh_CN.UTF-8 locale compiled here (glibc's LOCPATH) gives both without touching the system's locales.
    const locales = path.join(work, 'locales');
    fs.mkdirSync(locales);
    const compiled = spawnSync('localedef', ['-i', 'zh_CN', '-f', 'UTF-8', path.join(locales, 'zh_CN.UTF-8')], {
      encoding: 'utf8',
    });
    if (compiled.status !== 0 && !fs.existsSync(path.join(locales, 'zh_CN.UTF-8', 'LC_CTYPE'))) {
      fs.rmSync(work, { recursive: true, force: true });
      const reason = `cannot compile the zh_CN.UTF-8 locale (localedef: ${compiled.error?.message ?? compiled.stderr.trim().slice(-200)}); install Debian's locales package`;
      console.log(`SKIPPED: ${reason}`);
      return ctx.skip(reason);
    }
    const dataDir = path.join(work, DIR_NAME);
    fs.mkdirSync(dataDir);
    // The sidecar wants a token, which only its port file in that directory tells: a shim that misreads the
    // directory cannot get an answer from it, even if another sidecar happens to listen on the default port.
    const guarded = await startSidecar({ PREALERT_SHIM_TOKEN: TOKEN }, { dataDir });
    try {
      const { dll, example } = paths('x64');
      const station = path.join(work, 'station');
      fs.mkdirSync(station);
      fs.copyFileSync(dll, path.join(station, 'prealert.dll'));
      fs.copyFileSync(example, path.join(station, 'his_desktop.exe'));
      const chinese = {
        LOCPATH: locales,
        LC_ALL: 'zh_CN.UTF-8',
        PREALERT_PORT: '',
        PREALERT_DATA_DIR: '',
        PREALERT_SHIM_TOKEN: '',
      };
      for (const [save, encode] of Object.entries(notepadSaves)) {
        fs.writeFileSync(
          path.join(station, 'prealert.ini'),
          encode(`; 医保事前提醒\r\n[prealert]\r\ndata_dir = ${winePath(dataDir)}\r\n`),
        );
        const before = await answered3101(guarded);
        const run = await prefix.run(WINE64, [winePath(path.join(station, 'his_desktop.exe'))], 120_000, chinese);
        const stdout = decodeFrom('gbk', run.stdout);
        expect(
          stdout,
          `prealert.ini saved as ${save} (status ${run.status}, stderr ${run.stderr.slice(-400)})`,
        ).toContain('3101 rc=0 infcode=0');
        expect(await answered3101(guarded), `prealert.ini saved as ${save}`).toBe(before + 1);
      }
      // An ANSI program's argv is GBK: the option setter reads it the same way.
      fs.rmSync(path.join(station, 'prealert.ini'));
      const before = await answered3101(guarded);
      const run = await prefix.run(
        WINE64,
        [winePath(path.join(station, 'his_desktop.exe')), '--data-dir', winePath(dataDir)],
        120_000,
        chinese,
      );
      expect(decodeFrom('gbk', run.stdout), '--data-dir').toContain('3101 rc=0 infcode=0');
      expect(await answered3101(guarded), '--data-dir').toBe(before + 1);
    } finally {
      await guarded.stop();
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('prealert.dll x64 with a sidecar installed for the whole machine', () => {
  // IT may run one sidecar per workstation as a service (PREALERT_DATA_SCOPE=machine): its port file and the spool
  // it replays are in %ProgramData%\prealert, and the doctor's own %LOCALAPPDATA%\prealert does not exist.
  const TOKEN = 'shim-token-machine-8a1f03d6e2';

  it('finds it through the ProgramData folder with no setting, and keeps a 3103 there while it is away', async (ctx) => {
    if (skipReason || !prefix || !sidecar) return ctx.skip(skipReason);
    const machineDir = path.join(prefix.dir, 'drive_c', 'ProgramData', 'prealert');
    const users = path.join(prefix.dir, 'drive_c', 'users');
    const userDirs = () =>
      fs.existsSync(users) ? fs.readdirSync(users).map((u) => path.join(users, u, 'AppData', 'Local', 'prealert')) : [];
    for (const dir of userDirs()) fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(machineDir, { recursive: true });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-wine-machine-'));
    const station = path.join(work, 'station');
    fs.mkdirSync(station);
    const { dll, example } = paths('x64');
    fs.copyFileSync(dll, path.join(station, 'prealert.dll'));
    fs.copyFileSync(example, path.join(station, 'his_desktop.exe'));
    const noSettings = { PREALERT_PORT: '', PREALERT_DATA_DIR: '', PREALERT_SHIM_TOKEN: '', PREALERT_SPOOL_DIR: '' };
    const exe = winePath(path.join(station, 'his_desktop.exe'));
    let relay: Peer | undefined;
    try {
      // Running: its port file there names the port and the token it requires.
      const service = await startSidecar({ PREALERT_SHIM_TOKEN: TOKEN }, { dataDir: machineDir });
      try {
        const run = await prefix.run(WINE64, [exe], 120_000, noSettings);
        const stdout = decodeFrom('gbk', run.stdout);
        expect(stdout).toContain('3101 rc=0 infcode=0');
        expect(stdout).toContain('3103 rc=0 infcode=0');
      } finally {
        await service.stop(); // a clean stop removes its port file; the folder stays
      }
      expect(fs.existsSync(path.join(machineDir, 'port'))).toBe(false);

      // Away: the station reaches a relay (--port) that answers 3101 from another sidecar and drops the 3103.
      // The decision must be kept where the machine's sidecar will replay it, not in a folder nobody reads.
      relay = await httpPeer((request, response) => {
        if (!request.url.endsWith('/3101')) {
          response.destroy();
          return;
        }
        const forwarded = http.request(
          {
            host: '127.0.0.1',
            port: sidecar!.port,
            path: request.url,
            method: 'POST',
            headers: Object.fromEntries(
              ['content-type', 'x-out-capacity'].flatMap((h) =>
                request.headers[h] ? [[h, String(request.headers[h])]] : [],
              ),
            ),
          },
          (answer) => {
            response.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? '' });
            answer.pipe(response);
          },
        );
        forwarded.end(request.body);
      });
      const run = await prefix.run(WINE64, [exe, '--port', String(relay.port)], 120_000, noSettings);
      const stdout = decodeFrom('gbk', run.stdout);
      expect(stdout).toContain('3101 rc=0 infcode=0');
      expect(stdout).toMatch(/3103 rc=1/);
      const spooled = fs.readdirSync(path.join(machineDir, 'spool')).filter((f) => f.endsWith('-3103.req'));
      expect(spooled).toHaveLength(1);
      for (const dir of userDirs()) expect(fs.existsSync(dir), dir).toBe(false);
    } finally {
      await relay?.close();
      fs.rmSync(machineDir, { recursive: true, force: true });
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('prealert.dll x64 with PREALERT_DATA_DIR=~\\…', () => {
  // The sidecar reads a leading ~\ (or ~/) against USERPROFILE (sidecar/src/home-dir.ts userHome); the DLL refused it
  // as relative and looked in %LOCALAPPDATA%\prealert, where this sidecar wrote no port file or token. (Where a 3103
  // is spooled follows the same data dir in code shared with Linux: diagnostics-log.test.ts.)
  const TOKEN = 'shim-token-tilde-4d2c9e71b0';

  it('finds the sidecar under USERPROFILE through its port file, token included', async (ctx) => {
    if (skipReason || !prefix) return ctx.skip(skipReason);
    const users = path.join(prefix.dir, 'drive_c', 'users');
    const user = fs.readdirSync(users).find((u) => u !== 'Public');
    expect(user).toBeDefined();
    const dataDir = path.join(users, user ?? '', 'prealert-tilde');
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-wine-tilde-'));
    const { dll, example } = paths('x64');
    fs.copyFileSync(dll, path.join(work, 'prealert.dll'));
    fs.copyFileSync(example, path.join(work, 'his_desktop.exe'));
    const settings = { PREALERT_PORT: '', PREALERT_DATA_DIR: '~\\prealert-tilde', PREALERT_SHIM_TOKEN: '' };
    const own = await startSidecar({ PREALERT_SHIM_TOKEN: TOKEN }, { dataDir });
    try {
      const run = await prefix.run(WINE64, [winePath(path.join(work, 'his_desktop.exe'))], 120_000, settings);
      const stdout = decodeFrom('gbk', run.stdout);
      expect(stdout).toContain('3101 rc=0 infcode=0');
      expect(stdout).toContain('3103 rc=0 infcode=0');
    } finally {
      await own.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});

/**
 * What every answer to the request for a woman given `drugName` (a male-only drug) holds, one text a line, for
 * wine_smoke's threads: an answer without them is wrong, not merely late.
 */
function expectedAnswer(drugName: string): string {
  return ['"infcode":0', `"rule_id":"${SEX_RULE}"`, `"patn_id":"P${RARE}01"`, `【${drugName}】限男性使用`].join('\n');
}

/** A peer answering every call with an empty national envelope. */
function answeringPeer(): Promise<Peer> {
  return httpPeer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(OK_ENVELOPE);
  });
}

/**
 * Runs a win-x86 test program of the build in the wine32 chroot, with `work` as Z:@RUN@\\work: the program, the
 * x86 prealert.dll, then `args`; PREALERT_PORT names the sidecar's port.
 */
function runWine32(work: string, program: string, args: readonly string[], port: number) {
  return runCommand(
    'bash',
    [
      WINE32_CHROOT,
      'run',
      BUILD_DIR,
      work,
      '--',
      `Z:@RUN@\\build\\win-x86\\${program}`,
      'Z:@RUN@\\build\\win-x86\\prealert.dll',
      ...args,
    ],
    { PREALERT_PORT: String(port) },
    180_000,
  );
}

/** Why the x86 lane cannot run here, or undefined when it can. */
function wine32Unavailable(): string | undefined {
  // Debian's wine64 cannot run 32-bit programs (and still exits 0), and wine32 cannot be installed
  // through i386 multiarch here: wine32 lives in a debootstrap chroot (scripts/wine32-chroot.sh).
  const status = spawnSync('bash', [WINE32_CHROOT, 'status'], { encoding: 'utf8' }).stdout.trim();
  if (status === 'READY' && process.getuid?.() === 0) return undefined;
  const reason =
    status !== 'READY'
      ? 'no wine32 chroot (run native-shim/scripts/wine32-chroot.sh ensure, as root, or scripts/install-shim-toolchain.sh)'
      : 'the wine32 chroot needs root to run';
  console.log(
    `SKIPPED: x86 lane: ${reason}; the x86 exports and their __stdcall returns are still checked by dll-exports.test.ts`,
  );
  return reason;
}

describe('prealert.dll x86 (__stdcall) under 32-bit wine', () => {
  it('every export works against the real sidecar (wine32 in an i386 chroot)', async (ctx) => {
    if (skipReason || !sidecar) return ctx.skip(skipReason);
    const unavailable = wine32Unavailable();
    if (unavailable) return ctx.skip(unavailable);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-wine32-io-'));
    try {
      const drug = maleOnlyDrugs()[0]!;
      const request = JSON.stringify(request3101([drug], { patnId: `P${RARE}01`, patnName: `${RARE}丽` }));
      for (const flavour of ['utf8', 'gbk', 'w'] as const) {
        fs.writeFileSync(path.join(work, `req_${flavour}.bin`), encodeFor(flavour, request));
      }
      fs.writeFileSync(path.join(work, 'expect_utf8.txt'), expectedAnswer(drug.name));
      const run = await runWine32(
        work,
        'wine_smoke.exe',
        [String(sidecar.port), String(await closedPort()), 'Z:@RUN@\\work'],
        sidecar.port,
      );
      const stdout = run.stdout.toString();
      const lines = stdout.split(/\r?\n/);
      console.log(lines.find((l) => l.includes('threads_cold_start')));
      expect(
        lines.filter((l) => l.startsWith('FAIL ')),
        `${stdout}\n${run.stderr}`,
      ).toEqual([]);
      expect(stdout).toContain('PASS threads_cold_start 680/680');
      expect(stdout).toContain(`VERSION prealert-shim ${sidecarBuild()} proto=1 win-x86`);
      expect(stdout).toContain('ALL PASS');
      for (const flavour of ['utf8', 'gbk', 'w'] as const) {
        const answer = JSON.parse(
          decodeFrom(flavour, fs.readFileSync(path.join(work, `out_${flavour}.bin`))),
        ) as ResponseEnvelope;
        const warning = answer.output.result?.find((r) => r.rule_id === SEX_RULE);
        expect(warning?.patn_id, flavour).toBe(`P${RARE}01`);
        expect(warning?.vola_cont, flavour).toContain(`【${drug.name}】限男性使用`);
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 240_000);

  it('a HIS that loads and frees the DLL around every call: the breaker still opens (nothing listening, a hung sidecar) and answers still arrive', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const unavailable = wine32Unavailable();
    if (unavailable) return ctx.skip(unavailable);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-wine32-load-'));
    const hung = await silentPeer();
    const answering = await answeringPeer();
    try {
      const run = async (port: number, calls: number) =>
        (await runWine32(work, 'load_per_call.exe', [String(calls)], port)).stdout.toString();
      const refused = await run(await closedPort(), 5);
      console.log(`win-x86 prealert.dll, LoadLibrary/FreeLibrary around each call, nothing listening:\n${refused}`);
      expect(refused).toContain('DONE');
      expect(loadPerCallReasons(refused)).toEqual(['sidecar_unreachable', ...Array(4).fill('breaker_open')]);
      expect(loadPerCallLines(refused).every((l) => l.loadedAfterUnload)).toBe(true);

      const stuck = await run(hung.port, 6);
      console.log(`win-x86 prealert.dll, LoadLibrary/FreeLibrary around each call, hung sidecar:\n${stuck}`);
      expect(stuck).toContain('DONE');
      expect(loadPerCallReasons(stuck)).toEqual([
        ...Array(3).fill('sidecar_timeout'),
        ...Array(3).fill('breaker_open'),
      ]);

      const answered = await run(answering.port, 4);
      console.log(`win-x86 prealert.dll, LoadLibrary/FreeLibrary around each call, answering sidecar:\n${answered}`);
      expect(answered).toContain('DONE');
      expect(loadPerCallLines(answered).map((l) => l.rc)).toEqual([0, 0, 0, 0]);
    } finally {
      await hung.close();
      await answering.close();
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 360_000);
});
