/**
 * The built @prealert/client as a HIS project would consume it: `require` (CommonJS) and `import` (ESM) through
 * the package's exports map, with declarations that stand alone (no reference to the private @prealert/core).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = path.resolve(import.meta.dirname, '../packages/client');
let consumer = '';

beforeAll(() => {
  if (!fs.existsSync(path.join(packageDir, 'dist/index.cjs')))
    throw new Error('packages/client/dist missing: run `pnpm build`');
  consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-consumer-'));
  fs.mkdirSync(path.join(consumer, 'node_modules/@prealert'), { recursive: true });
  fs.symlinkSync(packageDir, path.join(consumer, 'node_modules/@prealert/client'), 'junction');
});

afterAll(() => {
  if (consumer) fs.rmSync(consumer, { recursive: true, force: true });
});

const run = (file: string, source: string): string => {
  fs.writeFileSync(path.join(consumer, file), source);
  return execFileSync(process.execPath, [path.join(consumer, file)], { cwd: consumer, encoding: 'utf8' }).trim();
};

const PROBE = `
  const names = ['PrealertClient', 'createPrealertClient', 'warningsByLine', 'toFeedbackData', 'SEVERITY_LABELS'];
  const missing = names.filter((n) => !(n in lib));
  const c = new lib.PrealertClient({ baseUrl: 'http://127.0.0.1:9' });
  const lines = lib.linesOf({ judge_result_detail_dtos: [{ rx_id: 'A', vola_item_type: '1' }] });
  c.close().then(() => console.log(JSON.stringify({ missing, lines, sev: lib.SEVERITY_LABELS['1'] })));
`;

describe('@prealert/client package', () => {
  it('loads with require() (CommonJS)', () => {
    const out = run('probe.cjs', `const lib = require('@prealert/client');${PROBE}`);
    expect(JSON.parse(out)).toEqual({ missing: [], lines: ['A'], sev: '明确违规' });
  });

  it('loads with import (ESM)', () => {
    const out = run('probe.mjs', `import * as lib from '@prealert/client';${PROBE}`);
    expect(JSON.parse(out)).toEqual({ missing: [], lines: ['A'], sev: '明确违规' });
  });

  it('ships declarations for both that do not depend on unpublished workspace packages', () => {
    for (const file of ['dist/index.d.ts', 'dist/index.d.cts']) {
      const text = fs.readFileSync(path.join(packageDir, file), 'utf8');
      expect(text).not.toMatch(/@prealert\/core/);
      expect(text).toMatch(/interface JudgeResultDto/);
      expect(text).toMatch(/declare class PrealertClient/);
    }
  });

  it('exports readResult on its own (./read-result), without the Node transport, for browser bundles', () => {
    const probe = `const r = lib.readResult({ jr_id: 'J', sev_deg: 1, vola_amt: '' });
      console.log(JSON.stringify({ sev: r.sev_deg, amount: String(r.vola_amt), omitted: r.linesOmitted }));`;
    const expected = { sev: '1', amount: 'NaN', omitted: true };
    expect(JSON.parse(run('read.cjs', `const lib = require('@prealert/client/read-result');${probe}`))).toEqual(
      expected,
    );
    expect(JSON.parse(run('read.mjs', `import * as lib from '@prealert/client/read-result';${probe}`))).toEqual(
      expected,
    );
    // The ESM entry with the chunks it shares with index (esbuild splitting), the CommonJS one whole.
    const esm = fs.readFileSync(path.join(packageDir, 'dist/read-result.js'), 'utf8');
    const chunks = [...esm.matchAll(/from "\.\/(chunk-[\w-]+\.js)"|import "\.\/(chunk-[\w-]+\.js)"/g)];
    const files = ['dist/read-result.js', 'dist/read-result.cjs', 'dist/read-result.d.ts'];
    for (const match of chunks) files.push(`dist/${match[1] ?? match[2]}`);
    for (const file of files) {
      const text = fs.readFileSync(path.join(packageDir, file), 'utf8');
      expect(text, file).not.toMatch(/undici|["']node:|@prealert\/core/);
    }
  });
});
