/**
 * Which build a workstation runs, and which bundled library: every build of 0.1.0 used to say 0.1.0, and the
 * bundled national library keeps its name `nhsa-b1-17+r2026.01` while the reading of the NHSA files changes with the
 * build. The built CLI and a real sidecar on loopback (dist/, as a workstation runs it) name the commit they were
 * built from in `--version`, /v1/status `software.build`, the start line, /metrics and `fleet status`; and the
 * bundled library's sha256 in /v1/status is that of the library file a bundle of it carries.
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadNationalLibrary, NATIONAL_VERSION, writeBundle } from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../sidecar/src/store/database';
import { tempDir } from '../sidecar/test/sync-support';
import { prealert, ROOT, type SidecarProcess, startSidecar } from './sync-process';

/** The checkout's commit as git abbreviates it; undefined outside a git checkout (an exported tarball). */
function checkoutCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const commit = checkoutCommit();
const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'sidecar', 'package.json'), 'utf8')) as {
  version: string;
};
/** `0.1.0+d2f4861.20261130`: the version, the commit and its day (yyyymmdd). */
const buildPattern = commit ? new RegExp(`^${version.replaceAll('.', '\\.')}\\+${commit}\\.\\d{8}$`) : /never/;
const work = tempDir('build-identity');
let sidecar: SidecarProcess;

beforeAll(async () => {
  sidecar = await startSidecar({ dataDir: path.join(work, 'data') });
}, 120_000);

afterAll(async () => {
  await sidecar?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

// Outside a git checkout (an exported tarball) the build is the version alone, or BUILD_ID: nothing to compare with.
describe.skipIf(commit === undefined)('the build names the commit it was built from', () => {
  it('--version prints version+commit.day, alone on its first line', () => {
    const result = prealert(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(buildPattern);
  });

  it('/v1/status software carries the build beside the version, and so do the start line and /metrics', async () => {
    const { body } = await sidecar.get<{ software: { version: string; build: string } }>('/v1/status');
    expect(body.software.version).toBe(version);
    expect(body.software.build).toMatch(buildPattern);
    const started = await sidecar.waitForLog('prealert sidecar listening');
    expect(started.build).toBe(body.software.build);
    const metrics = await (await fetch(`${sidecar.url}/metrics`)).text();
    expect(metrics).toContain(`build="${body.software.build}"`);
  });

  it('fleet status shows the build in its prealert column', () => {
    const hosts = path.join(work, 'hosts.txt');
    fs.writeFileSync(hosts, `${new URL(sidecar.url).host}\n`);
    const json = prealert(['fleet', 'status', '--hosts', hosts, '--json']);
    const [state] = JSON.parse(json.stdout) as { software: string }[];
    expect(state!.software).toMatch(buildPattern);
    const table = prealert(['fleet', 'status', '--hosts', hosts]).stdout;
    expect(table).toContain(state!.software);
  });
});

// IT telling which workstations a roll-back would need a schema copy for: the build alone does not say it.
describe('the records schema is reported', () => {
  it('--version prints the schema the build writes on its second line', () => {
    const result = prealert(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(1)).toEqual([`records schema ${SCHEMA_VERSION}`, '']);
  });

  it("/v1/status records.schema is the records database's own, and fleet status shows it per host", async () => {
    const { body } = await sidecar.get<{ records: { schema: number } }>('/v1/status');
    expect(body.records).toEqual({ schema: SCHEMA_VERSION });
    const hosts = path.join(work, 'hosts-schema.txt');
    fs.writeFileSync(hosts, `${new URL(sidecar.url).host}\n127.0.0.1:1\n`);
    const [state, down] = JSON.parse(prealert(['fleet', 'status', '--hosts', hosts, '--json']).stdout) as {
      records_schema: number | null;
    }[];
    expect(state!.records_schema).toBe(SCHEMA_VERSION);
    expect(down!.records_schema).toBeNull();
    const table = prealert(['fleet', 'status', '--hosts', hosts]).stdout;
    expect(table).toMatch(/prealert.*schema.*version/);
    const row = table.split('\n').find((line) => line.includes(new URL(sidecar.url).host));
    expect(row).toMatch(new RegExp(`[│|]\\s*${SCHEMA_VERSION}\\s*[│|]`));
  });
});

describe('the bundled national library names its content', () => {
  it('/v1/status library.sha256 is the sha256 of the library file a bundle of it carries; fleet status shows it', async () => {
    const { body } = await sidecar.get<{ library: { version: string; source: string; sha256: string | null } }>(
      '/v1/status',
    );
    expect(body.library.source).toBe('bundled');
    // The name stays: jr_ids hash it (README: "Which build, which bundled library").
    expect(body.library.version).toBe(NATIONAL_VERSION);
    const { privateKey } = generateKeyPairSync('ed25519');
    const written = writeBundle({ library: loadNationalLibrary(), privateKey, outDir: path.join(work, 'bundle') });
    const file = fs.readFileSync(path.join(written.dir, written.libraryFile));
    const fileSha256 = createHash('sha256').update(file).digest('hex');
    expect(written.manifest.signed.library.sha256).toBe(fileSha256);
    expect(body.library.sha256).toBe(fileSha256);

    const hosts = path.join(work, 'hosts-library.txt');
    fs.writeFileSync(hosts, `${new URL(sidecar.url).host}\n`);
    const [state] = JSON.parse(prealert(['fleet', 'status', '--hosts', hosts, '--json']).stdout) as {
      sha256: string | null;
    }[];
    expect(state!.sha256).toBe(fileSha256.slice(0, 12));
  });
});
