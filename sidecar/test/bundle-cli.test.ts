/**
 * `prealert bundle build` and `bundle verify` as IT runs them (node sidecar/dist/cli.js), on what the roll-out audit
 * found could be published without a word: a new library under its parent's version name, and a created_at every
 * workstation with a correct clock refuses.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
import { tempDir } from './sync-support';

const work = tempDir('bundle-cli');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const key = path.join(work, 'keys', 'prealert-bundle.key');
const pubkey = path.join(work, 'keys', 'prealert-bundle.pub');

function prealert(args: string[]) {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const HEADER = 'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code';
/** The top README's own local row (阿瑞匹坦注射液, a real national code) and a province's age limit on a real drug. */
const APREPITANT =
  '药品限适应症,GZ10000101008000,drug,阿瑞匹坦注射液,indication,限放化疗。|Z51.0;Z51.1,限放化疗。,XA04ADA285B002010102180';
const CHILDREN =
  '药品儿童专用,GZ10000301002000,drug,小儿热速清颗粒(本省),age_group,婴幼儿,本省限婴幼儿,ZA01BAX0496010103665';

function csv(name: string, rows: string[]): string {
  const file = path.join(work, name);
  fs.writeFileSync(file, [HEADER, ...rows].join('\n'));
  return file;
}

function build(out: string, version: string, sources: string[], extra: string[] = []) {
  return prealert([
    'bundle',
    'build',
    '--source',
    ...sources,
    '--version',
    version,
    '--key',
    key,
    '--out',
    out,
    ...extra,
  ]);
}

const listing = (dir: string) =>
  Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.statSync(path.join(dir, f)).mtimeMs]));

let both: string;
let one: string;
const served = path.join(work, 'served');

beforeAll(() => {
  const keygen = prealert(['keygen', '--out', path.join(work, 'keys')]);
  if (keygen.code !== 0) throw new Error(keygen.stderr);
  both = csv('local-both.csv', [APREPITANT, CHILDREN]);
  one = csv('local-one.csv', [CHILDREN]);
  const first = build(served, 'prov-2026.11k', [both], ['--allow-shrink']);
  if (first.code !== 0) throw new Error(first.stderr);
});

describe('bundle build --parent under the parent version name', () => {
  it('refuses another library under the same name, naming the version and both libraries, and writes nothing', () => {
    const before = listing(served);
    const manifest = fs.readFileSync(path.join(served, 'manifest.json'), 'utf8');
    const parentSha = (JSON.parse(manifest) as { signed: { library: { sha256: string } } }).signed.library.sha256;
    // The audit's case: the local row dropped, the name kept, published in place.
    const result = build(served, 'prov-2026.11k', [one], ['--parent', served]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('prov-2026.11k is also the version of the parent prov-2026.11k');
    expect(result.stderr).toContain(parentSha.slice(0, 12));
    expect(result.stderr).toMatch(/this library differs \(sha256 [0-9a-f]{12}\)/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(listing(served)).toEqual(before);
    expect(fs.readFileSync(path.join(served, 'manifest.json'), 'utf8')).toBe(manifest);
  });

  it('says nothing changed when the same sources are built again under the same name', () => {
    const result = build(path.join(work, 'again'), 'prov-2026.11k', [both], ['--parent', served]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('nothing changed');
    expect(fs.existsSync(path.join(work, 'again'))).toBe(false);
  });

  it('takes the same change under a new name', () => {
    const out = path.join(work, 'next');
    const result = build(out, 'prov-2026.11l', [one], ['--parent', served]);
    // The row it drops is named, for the person publishing to confirm.
    expect(result.stderr).toMatch(
      /^warning: 1 knowledge point\(s\) of prov-2026\.11k are not in prov-2026\.11l .*阿瑞匹坦注射液/,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('from prov-2026.11k');
  });

  it('bundle verify --parent warns when a bundle built elsewhere reuses the parent version name', () => {
    const elsewhere = path.join(work, 'elsewhere');
    expect(build(elsewhere, 'prov-2026.11k', [one], ['--allow-shrink']).code).toBe(0);
    const result = prealert(['bundle', 'verify', elsewhere, '--pubkey', pubkey, '--parent', served]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^OK prov-2026\.11k/);
    expect(result.stderr).toContain('warning: version prov-2026.11k is also the version of the parent prov-2026.11k');
    // A bundle published in place is checked against its own directory: that is no parent of it.
    const inPlace = prealert(['bundle', 'verify', served, '--pubkey', pubkey, '--parent', served]);
    expect(inPlace.stderr).toBe('');
  });
});

describe('bundle build and verify with a created_at in the future', () => {
  it('warns (exit 0) beyond the ten minutes a workstation allows, and not within them', () => {
    const ahead = new Date(Date.now() + 24 * 3600_000).toISOString();
    const out = path.join(work, 'future');
    const built = build(out, 'prov-2026.11m', [both], ['--created-at', ahead, '--allow-shrink']);
    expect(built.code).toBe(0);
    // m: a bundle of local rows alone is also warned about the national points it leaves out (lines before this one).
    expect(built.stderr).toMatch(
      new RegExp(
        `^warning: created_at ${ahead.replace(/[.]/g, '\\.')} is 14\\d\\d min ahead of this clock: a workstation refuses a bundle dated more than 10 min ahead`,
        'm',
      ),
    );
    const verified = prealert(['bundle', 'verify', out, '--pubkey', pubkey]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^OK prov-2026\.11m/);
    expect(verified.stderr).toMatch(/^warning: created_at .* min ahead of this clock/);

    const near = path.join(work, 'near');
    const soon = build(
      near,
      'prov-2026.11n',
      [both],
      ['--created-at', new Date(Date.now() + 5 * 60_000).toISOString(), '--allow-shrink'],
    );
    expect(soon.code).toBe(0);
    expect(soon.stderr.replace(/^warning: .*(fewer than|of) the bundled national library .*\n/gm, '')).toBe('');
    expect(prealert(['bundle', 'verify', near, '--pubkey', pubkey]).stderr).toBe('');
  });
});

describe('bundle build --parent and bundle verify --parent against the national library', () => {
  const N = path.resolve(path.dirname(CLI), '..', '..', 'rules-cache', 'national');
  const NATIONAL = [
    'first_batch_knowledge_points.json',
    'batches_2_8_knowledge_points.json',
    'batches_9_17_knowledge_points.json',
  ].map((f) => path.join(N, f));
  const REVISION = ['--revision', path.join(N, 'revision_2026_01_knowledge_points.json')];
  const channel = path.join(work, 'channel');
  // What every build from these sources notes about them (the national record whose limit contradicts its basis,
  // the re-issue's left-out points, short code lists): stripped where a test looks at the other warnings.
  const escaped = N.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const importNotes = new RegExp(
    `^warning: ${escaped}/\\S+\\.json:\\d+ (limit_value|meta\\.left_out|codes): .*\n`,
    'gm',
  );
  const basisNote = new RegExp(
    `^warning: ${escaped}/revision_2026_01_knowledge_points\\.json:\\d+ limit_value: 限支付疗程 limit_value "15天" 与依据所写 14 天不一致，按依据 14 天\n`,
    'm',
  );

  beforeAll(() => {
    const first = build(channel, 'prov-2026.12a', [...NATIONAL, both], REVISION);
    if (first.code !== 0) throw new Error(first.stderr);
  });

  it('warns, listing the counts, when --revision is forgotten (fewer national points) and writes the bundle', () => {
    const out = path.join(work, 'forgot-revision');
    const result = build(out, 'prov-2026.12b', [...NATIONAL, both], ['--parent', channel]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('bundle prov-2026.12b');
    expect(result.stderr).toContain(
      'warning: prov-2026.12b has 3491 national knowledge points, 4 fewer than prov-2026.12a (3495): was --revision or a national batch left out?',
    );
    const verified = prealert(['bundle', 'verify', out, '--pubkey', pubkey, '--parent', channel]);
    expect(verified.code).toBe(0);
    expect(verified.stderr).toContain('warning: prov-2026.12b has 3491 national knowledge points, 4 fewer');
  });

  it('warns, naming it, when a local row went missing', () => {
    const out = path.join(work, 'lost-row');
    const result = build(out, 'prov-2026.12c', [...NATIONAL, one], [...REVISION, '--parent', channel]);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('national knowledge points');
    expect(result.stderr).toMatch(basisNote);
    expect(result.stderr.replace(importNotes, '')).toMatch(
      /^warning: 1 knowledge point\(s\) of prov-2026\.12a are not in prov-2026\.12c \(\d+ points before, \d+ now\): 阿瑞匹坦注射液 \(kp-[0-9a-f-]+\)\n$/,
    );
  });

  it('says nothing when the next version only adds (the local row back)', () => {
    const result = build(
      path.join(work, 'adds'),
      'prov-2026.12d',
      [...NATIONAL, both],
      [...REVISION, '--parent', path.join(work, 'lost-row')],
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/points added or changed, 0 removed/);
    expect(result.stderr.replace(importNotes, '')).toBe('');
  });

  it('without --parent, warns as against a parent when the bundled national library has points the build leaves out', () => {
    const out = path.join(work, 'no-parent-no-revision');
    const result = build(out, 'prov-2026.12e', [...NATIONAL, both]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('bundle prov-2026.12e');
    const bundled = 'the bundled national library nhsa-b1-17+r2026.01';
    const review = result.stderr.replace(importNotes, '').split('\n').filter(Boolean);
    expect(review).toHaveLength(2);
    expect(review[0]).toBe(
      `warning: prov-2026.12e has 3491 national knowledge points, 4 fewer than ${bundled} (3495): was --revision or a national batch left out?`,
    );
    // The re-issued points, by name and id, as the review against a parent lists them.
    expect(review[1]).toMatch(
      new RegExp(
        `^warning: \\d+ knowledge point\\(s\\) of ${bundled.replace(/[.+]/g, '\\$&')} are not in prov-2026\\.12e \\(3495 points before, 3493 now\\): .+ \\(kp-`,
      ),
    );
    // With the re-issue the same sources leave nothing of it out: no review warning.
    const whole = build(path.join(work, 'no-parent-revision'), 'prov-2026.12f', [...NATIONAL, both], REVISION);
    expect(whole.code).toBe(0);
    expect(whole.stderr.replace(importNotes, '')).toBe('');
  });

  it('tells IT what the sources leave out or list short, and what the points can check (review F3, F7)', () => {
    const out = path.join(work, 'national-only');
    const result = build(out, 'nhsa-2026.12', NATIONAL, REVISION);
    expect(result.code).toBe(0);
    const revision = path.join(N, 'revision_2026_01_knowledge_points.json');
    expect(result.stderr).toContain(
      `warning: ${revision}:0 meta.left_out: 本文件说明另有 14 个重新发布的知识点未收入（其限定值未能按规则名和项目名唯一对应），未予应用：这些项目仍按原批次的知识点及其编码判断\n`,
    );
    expect(result.stderr).toContain(
      `warning: ${path.join(N, 'batches_2_8_knowledge_points.json')}:138 codes: 【帕妥珠单抗注射液】药品限支付疗程 只列 1 个编码，`,
    );
    // One line per note: the basis note, the left-out re-issues and 11 short code lists.
    expect(result.stderr.match(importNotes)).toHaveLength(13);
    const coverage = [
      '  what its points can check:',
      '    2,473 decided on what the request carries',
      '    435 药品限适应症 text only: remind at sev 3 / confirm, no diagnosis check',
      '    75 药品限适应症 silent on a diagnosis read from their text, else sev 3 / confirm',
      '    50 药品限二线使用 with no first line read from their text: another drug of their ATC class stands in',
      "    61 药品限医疗机构级别 by the hospitalLevel setting, else medins_lv through medinsLevelMap; 5 of them ask for confirmation at a specialty hospital's level unless specialtyHospital names it",
      '    1 法定就业年龄 by the employmentAge setting',
      '    22 超互联网医院药品支付范围 only where the internetVisit setting recognises the visit',
      '    378 手术 incision groups in 事中 scenes (6–10) only',
    ].join('\n');
    expect(result.stdout).toMatch(/ \d+ rules, 3495 knowledge points\n/);
    expect(result.stdout).toContain(`${coverage}\n`);
    const verified = prealert(['bundle', 'verify', out, '--pubkey', pubkey]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`${coverage}\n`);
  });
});
