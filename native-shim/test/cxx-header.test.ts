// A C++ HIS on Linux following the README: `#include "prealert.h"` and `u"3101"` (char16_t) through prealert_call_u16
// for the UTF-16 entry, and prealert_call_w by its address (decltype), compiled with the system C++ compiler against
// the built .so and run against the real sidecar with a real national code. In C++ char16_t is a type of its own, so
// the header must give it a way in, without making prealert_call_w an overload set.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShim } from './support/build-once';
import { maleOnlyDrugs, type ResponseEnvelope, request3101 } from './support/national-requests';
import { LINUX_DIR, SHIM_DIR } from './support/paths';
import { type RunningSidecar, startSidecar } from './support/sidecar-process';

const SEX_RULE = 'GZ10000301004000'; // 药品区分性别使用

// Asynchronous, so a slow compile on a loaded machine does not stall the test worker's messages to vitest.
const run = promisify(execFile);

let sidecar: RunningSidecar;
let workDir: string;

beforeAll(async () => {
  buildShim();
  sidecar = await startSidecar();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-cxx-'));
});

afterAll(async () => {
  await sidecar?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe('include/prealert.h from C++ on Linux', () => {
  it('compiles with u"3101" (prealert_call_u16) and uint16_t arrays (prealert_call_w by its address), and the 3101 brings the national warning', async () => {
    const program = path.join(workDir, 'cxx_call_w');
    // -Werror: a header that only compiles with -fpermissive warnings would pass otherwise.
    await run(
      'c++',
      [
        '-std=c++11',
        '-Wall',
        '-Wextra',
        '-Wpedantic',
        '-Werror',
        `-I${path.join(SHIM_DIR, 'include')}`,
        path.join(SHIM_DIR, 'test', 'c', 'cxx_call_w.cpp'),
        `-L${LINUX_DIR}`,
        '-lprealert',
        '-o',
        program,
      ],
      { encoding: 'utf8' },
    );

    const apalutamide = maleOnlyDrugs().find((d) => d.code === 'XL02BBA326A001010102180');
    expect(apalutamide?.name).toBe('阿帕他胺片');
    const requestFile = path.join(workDir, 'request.utf16le');
    const answerFile = path.join(workDir, 'answer.utf16le');
    fs.writeFileSync(requestFile, Buffer.from(JSON.stringify(request3101([apalutamide!])), 'utf16le'));
    const { stdout } = await run(program, [requestFile, answerFile], {
      encoding: 'utf8',
      env: { ...process.env, LD_LIBRARY_PATH: LINUX_DIR, PREALERT_DATA_DIR: sidecar.dataDir },
    });
    expect(stdout).toContain('rc=0\n');
    expect(stdout).toContain('rc_uint16=0\n');
    const answer = JSON.parse(fs.readFileSync(answerFile).toString('utf16le')) as ResponseEnvelope;
    expect(answer.shim).toBeUndefined();
    expect(String(answer.infcode)).toBe('0');
    const warning = answer.output.result?.find((r) => r.rule_id === SEX_RULE);
    expect(warning?.vola_cont).toContain('限男性使用');
  }, 60_000);
});
