/**
 * Review F1 end to end: a hospital adds the 限女性 limit for two 艾地骨化醇软胶囊 codes the re-issued national point
 * leaves out (the codes `bundle build`'s own warning says are "不受此项限制"), builds with the documented command
 * (national sources, the CSV, --revision) using the built CLI, pushes the bundle to a real sidecar over loopback, and
 * a man's 3101 with that drug gets the sex reminder. The rows used to vanish from the bundle without a word.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_FILES, REVISION_FILE, tempDir } from '../sidecar/test/sync-support';
import { firedRules, prealert, type SidecarProcess, startSidecar } from './sync-process';

const TOKEN = 'local-rows-revision-token-0123456789';
const SEX = 'GZ10000301004000';
const ELDECALCITOL = ['XA11CCA351E002010184386', 'XA11CCA351E002010284386'];
const work = tempDir('local-rows-revision');
const keys = path.join(work, 'keys');
const localCsv = path.join(work, 'local-eldecalcitol.csv');
const out = path.join(work, 'bundle');
let host: SidecarProcess;

beforeAll(async () => {
  const keygen = prealert(['keygen', '--out', keys]);
  if (keygen.code !== 0) throw new Error(keygen.stderr);
  fs.writeFileSync(
    localCsv,
    [
      'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code',
      ...ELDECALCITOL.map(
        (code) => `药品区分性别使用,${SEX},drug,艾地骨化醇软胶囊,sex,女,限绝经后妇女骨质疏松。本院同品规,${code}`,
      ),
    ].join('\r\n'),
  );
  host = await startSidecar({
    dataDir: path.join(work, 'host'),
    env: { PREALERT_ADMIN_TOKEN: TOKEN, PREALERT_SYNC_PUBKEY: path.join(keys, 'prealert-bundle.pub') },
  });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('bundle build --revision with local rows for re-issued items', () => {
  it('puts the local rows in the bundle, and a man prescribed the drug gets the sex reminder', async () => {
    const build = prealert([
      'bundle',
      'build',
      '--source',
      ...BATCH_FILES,
      localCsv,
      '--revision',
      REVISION_FILE,
      '--version',
      'hosp-2026.11.eld',
      '--key',
      path.join(keys, 'prealert-bundle.key'),
      '--out',
      out,
    ]);
    expect(build.code, build.stderr).toBe(0);
    const libraryFile = fs.readdirSync(out).find((f) => /^library-.*\.ndjson$/.test(f));
    const local = fs
      .readFileSync(path.join(out, libraryFile!), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"local-eldecalcitol.csv"'))
      .map((line) => JSON.parse(line) as { codes?: string[]; kp?: { codes: string[] } });
    expect(local).toHaveLength(1);
    expect(JSON.stringify(local[0])).toContain(ELDECALCITOL[0]);
    expect(JSON.stringify(local[0])).toContain(ELDECALCITOL[1]);

    const hostsFile = path.join(work, 'hosts.txt');
    fs.writeFileSync(hostsFile, `${host.url}\n`);
    const push = prealert(['push', '--bundle', out, '--hosts', hostsFile], { PREALERT_ADMIN_TOKEN: TOKEN });
    expect(push.code, push.stdout + push.stderr).toBe(0);
    const status = await host.get<{ library: { version: string } }>('/v1/status');
    expect(status.body.library.version).toBe('hosp-2026.11.eld');

    for (const code of ELDECALCITOL) {
      expect(await firedRules(host, code, '1')).toContain(SEX);
      expect(await firedRules(host, code, '2')).not.toContain(SEX);
    }
  }, 180_000);
});
