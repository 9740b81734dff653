import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  generateSigningKeys,
  libraryFromFiles,
  loadNationalLibrary,
  MANIFEST_FILE,
  PUBLIC_KEY_FILE,
  readPrivateKey,
  readPublicKeys,
  verifyBundleDir,
  writeBundle,
} from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const NHSA = '/work/shared/data/nhsa';
const BATCHES = [
  'first_batch_knowledge_points.json',
  'batches_2_8_knowledge_points.json',
  'batches_9_17_knowledge_points.json',
].map((f) => path.join(NHSA, f));
const REVISION = path.join(NHSA, 'revision_2026_01_knowledge_points.json');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-bundle-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const keys = generateSigningKeys(path.join(tmp, 'keys'));
const privateKey = readPrivateKey(keys.privateKeyFile);
const trusted = readPublicKeys(keys.publicKeyFile);

function meta(version: string, parentVersion?: string) {
  return {
    version,
    region: 'national',
    createdAt: new Date().toISOString(),
    ...(parentVersion ? { parentVersion } : {}),
  };
}

function build(version: string, revisions: string[] = [], parentVersion?: string) {
  const result = libraryFromFiles({ meta: meta(version, parentVersion), sources: BATCHES, revisions });
  if (!result.ok) throw new Error(JSON.stringify(result.issues.slice(0, 3)));
  return result.value;
}

describe('bundle directory', () => {
  const v1Dir = path.join(tmp, 'v1');
  const v2Dir = path.join(tmp, 'v2');
  let v1: ReturnType<typeof writeBundle>;
  let v2: ReturnType<typeof writeBundle>;

  beforeAll(() => {
    v1 = writeBundle({ library: build('nhsa-b1-17'), privateKey, outDir: v1Dir });
    v2 = writeBundle({
      library: build('nhsa-b1-17+r2026.01', [REVISION], 'nhsa-b1-17'),
      privateKey,
      outDir: v2Dir,
      parentDir: v1Dir,
    });
  });

  it('builds from the published files the same library as the embedded one', () => {
    const embedded = loadNationalLibrary({ withRevision: false });
    expect(v1.manifest.signed.library.knowledge_points).toBe(embedded.knowledgePoints.length);
    expect(v1.manifest.signed.library.rules).toBe(embedded.rules.length);
  });

  it('holds a manifest, a hash-named full library and, with a parent, a delta', () => {
    expect(fs.readdirSync(v1Dir).sort()).toEqual([MANIFEST_FILE, v1.libraryFile].sort());
    expect(fs.readdirSync(v2Dir).sort()).toEqual([MANIFEST_FILE, v2.libraryFile, v2.deltaFile!].sort());
    const m = v2.manifest.signed;
    expect(m.parent_version).toBe('nhsa-b1-17');
    expect(m.delta?.from_sha256).toBe(v1.manifest.signed.library.sha256);
    expect(m.delta!.size).toBeLessThan(m.library.size / 3);
  });

  it('verifies, applying the delta to its parent', async () => {
    const checked = await verifyBundleDir(v2Dir, trusted, { parentDir: v1Dir });
    expect(checked.keyId).toBe(keys.keyId);
    expect(checked.library.codes).toBeGreaterThan(10_000);
    expect(checked.delta).toMatchObject({ applied: true });
    const alone = await verifyBundleDir(v2Dir, trusted);
    expect(alone.delta).toMatchObject({ applied: false });
  });

  it('publishing the next version into the same directory keeps the files the previous manifest names', () => {
    const dir = path.join(tmp, 'channel');
    const a = writeBundle({ library: build('v-a'), privateKey, outDir: dir });
    const b = writeBundle({ library: build('v-b', [REVISION]), privateKey, outDir: dir, parentDir: dir });
    expect(fs.existsSync(path.join(dir, a.libraryFile))).toBe(true);
    expect(b.removed).toEqual([]);
    const c = writeBundle({ library: build('v-c'), privateKey, outDir: dir, parentDir: dir });
    // a's library is c's library content-wise except the header, so a's file is unreferenced now.
    expect(c.removed).toContain(a.libraryFile);
    expect(fs.existsSync(path.join(dir, b.libraryFile))).toBe(true);
  });

  it('the same sources kept in another folder give the same library: same sha256, a delta of no points, no folder in it', () => {
    // Audit finding 5: the builder's path was stored in every point, so /work/shared/… and rules-cache/national/…
    // gave a "delta" of all 3,493 points and sent the build machine's layout to every workstation.
    const copyTo = (dir: string) => {
      fs.mkdirSync(dir, { recursive: true });
      return [...BATCHES, REVISION].map((file) => {
        const to = path.join(dir, path.basename(file));
        fs.copyFileSync(file, to);
        return to;
      });
    };
    const here = copyTo(path.join(tmp, 'builder-a'));
    const there = copyTo(path.join(tmp, 'elsewhere', 'nhsa', 'data'));
    const fixed = { version: 'nhsa-b1-17+r2026.01', region: 'national', createdAt: '2026-01-28T00:00:00+08:00' };
    const fromFolder = (files: string[]) => {
      const result = libraryFromFiles({ meta: fixed, sources: files.slice(0, 3), revisions: files.slice(3) });
      if (!result.ok) throw new Error(JSON.stringify(result.issues.slice(0, 3)));
      return result.value;
    };
    const a = writeBundle({ library: fromFolder(here), privateKey, outDir: path.join(tmp, 'path-a') });
    const b = writeBundle({
      library: { ...fromFolder(there), meta: { ...fixed, version: 'nhsa-b1-17+r2026.01-b' } },
      privateKey,
      outDir: path.join(tmp, 'path-b'),
      parentDir: path.join(tmp, 'path-a'),
    });
    const c = writeBundle({ library: fromFolder(there), privateKey, outDir: path.join(tmp, 'path-c') });
    expect(c.manifest.signed.library.sha256).toBe(a.manifest.signed.library.sha256);
    expect(b.changes).toMatchObject({ put_points: 0, del_points: 0 });
    const text = fs.readFileSync(path.join(tmp, 'path-a', a.libraryFile), 'utf8');
    expect(text).not.toContain(path.join(tmp, 'builder-a'));
    expect(text).toContain('"source":"revision_2026_01_knowledge_points.json"');
  });

  it('detects a changed byte, a cut-off file and a manifest from another key', async () => {
    const copy = (name: string) => {
      const dir = path.join(tmp, name);
      fs.cpSync(v1Dir, dir, { recursive: true });
      return dir;
    };
    const changed = copy('changed');
    const file = path.join(changed, v1.libraryFile);
    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf('男');
    bytes.write('女', at);
    fs.writeFileSync(file, bytes);
    await expect(verifyBundleDir(changed, trusted)).rejects.toMatchObject({ code: 'hash_mismatch' });

    const cut = copy('cut');
    fs.truncateSync(path.join(cut, v1.libraryFile), 50_000);
    await expect(verifyBundleDir(cut, trusted)).rejects.toMatchObject({ code: 'truncated' });

    const other = generateSigningKeys(path.join(tmp, 'other-keys'));
    await expect(verifyBundleDir(v1Dir, readPublicKeys(other.publicKeyFile))).rejects.toMatchObject({
      code: 'untrusted',
    });
  });

  it('a damaged parent stops a build, and only notes a review that could not be made', async () => {
    // build and verify read the parent through one loader (parent-library.ts); each reports its failure its own way.
    const damaged = path.join(tmp, 'damaged-parent');
    fs.cpSync(v1Dir, damaged, { recursive: true });
    const file = path.join(damaged, v1.libraryFile);
    const bytes = fs.readFileSync(file);
    bytes.write('女', bytes.indexOf('男'));
    fs.writeFileSync(file, bytes);
    const next = build('nhsa-b1-17+r2026.01', [REVISION], 'nhsa-b1-17');
    const outDir = path.join(tmp, 'after-damaged');
    expect(() => writeBundle({ library: next, privateKey, outDir, parentDir: damaged })).toThrow(
      expect.objectContaining({ code: 'hash_mismatch', where: file }),
    );
    expect(fs.existsSync(outDir)).toBe(false);
    const noManifest = path.join(tmp, 'no-manifest');
    fs.mkdirSync(noManifest);
    expect(() => writeBundle({ library: next, privateKey, outDir, parentDir: noManifest })).toThrow(
      expect.objectContaining({ code: 'io', where: path.join(noManifest, MANIFEST_FILE) }),
    );

    const alone = writeBundle({ library: next, privateKey, outDir });
    const reviewed = await verifyBundleDir(outDir, trusted, { parentDir: damaged });
    expect(reviewed.manifest.version).toBe('nhsa-b1-17+r2026.01');
    expect(reviewed.warnings).toHaveLength(1);
    expect(reviewed.warnings[0]).toMatch(
      /^parent nhsa-b1-17 not compared: .*sha256 [0-9a-f]{64} differs from the signed manifest's/,
    );
    expect(reviewed.warnings[0]).toContain(v1.libraryFile);
    expect((await verifyBundleDir(outDir, trusted, { parentDir: noManifest })).warnings).toEqual([]);
    // The intact parent is compared: the revision drops points of it, which the review names.
    const compared = await verifyBundleDir(outDir, trusted, { parentDir: v1Dir });
    expect(compared.warnings.join('\n')).toMatch(/knowledge point\(s\) of nhsa-b1-17 are not in nhsa-b1-17\+r2026.01/);
    expect(alone.warnings).toEqual([]);
  });

  it('reports every bad source row with file and row, and builds nothing', () => {
    const csv = path.join(tmp, 'local.csv');
    fs.writeFileSync(
      csv,
      [
        'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code,effective_from,effective_to',
        '药品区分性别使用,GZ10000301004000,drug,恩扎卢胺软胶囊,sex,男,限男性,XL02BBE088E002010102180,,',
        '药品区分性别使用,GZ10000301004000,drug,地诺孕素片,sex,不详,限女性,XG03DBD331A001010101389,,',
        '药品区分性别使用,GZ10000301004000,drug,,sex,女,限女性,XG03DBD084A001010104604,,',
      ].join('\n'),
    );
    const result = libraryFromFiles({ meta: meta('local-1'), sources: [csv] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    // Row 3: 不详 is no sex the check knows; row 4: the item name is missing. Both are reported, not just the first.
    expect(result.issues).toEqual([
      expect.objectContaining({ file: csv, row: 3, field: 'limit_value' }),
      expect.objectContaining({ file: csv, row: 4, field: 'item_name' }),
    ]);
    const limit = libraryFromFiles({
      meta: meta('local-1'),
      sources: [path.join(tmp, 'missing.json'), csv.replace('local', 'nope')],
    });
    expect(limit.ok).toBe(false);
    if (!limit.ok)
      expect(limit.issues.map((i) => i.file)).toEqual([path.join(tmp, 'missing.json'), csv.replace('local', 'nope')]);
  });
});

describe('generateSigningKeys', () => {
  it.skipIf(process.platform === 'win32')('leaves no private key behind when its public half cannot be written', () => {
    const dir = path.join(tmp, 'dangling-pub');
    fs.mkdirSync(dir);
    // A dangling link where the public key goes: existsSync says no file, the exclusive write then fails (EEXIST).
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, PUBLIC_KEY_FILE));
    expect(() => generateSigningKeys(dir)).toThrow();
    expect(fs.readdirSync(dir)).toEqual([PUBLIC_KEY_FILE]);
  });
});
