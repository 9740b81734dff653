/**
 * The `prealert` command (sidecar/package.json "bin"): a fresh clone has no dist/ (it is built, and ignored by
 * git), yet `pnpm install` links every package's bin before anything is built. A bin pointing at build output
 * made the very first install print "WARN Failed to create bin … sidecar/dist/cli.js".
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const sidecarDir = path.resolve(import.meta.dirname, '..');
const repoRoot = path.resolve(sidecarDir, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(sidecarDir, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  type: string;
  bin: Record<string, string>;
};
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert bin 安装 '));

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Whether git tracks the file, i.e. whether a fresh clone has it before any build. */
function tracked(file: string): boolean {
  return spawnSync('git', ['ls-files', '--error-unmatch', file], { cwd: repoRoot, stdio: 'ignore' }).status === 0;
}

/** pnpm, with none of the settings of the pnpm (if any) that runs this test. */
function pnpm(args: string[], cwd: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_|^pnpm_/i.test(key)));
  return spawnSync('pnpm', args, { cwd, env, encoding: 'utf8' });
}

describe('the prealert bin on a fresh clone', () => {
  it('pnpm install links it without a warning, and before a build it says what to run', () => {
    // A workspace like the repository's: the sidecar package with its real manifest and what a fresh clone has of
    // its bin targets, and a package depending on it (as tests/ does), installed with nothing from a registry.
    const sidecarCopy = path.join(scratch, 'sidecar');
    fs.mkdirSync(sidecarCopy, { recursive: true });
    const { name, version, type, bin } = manifest;
    fs.writeFileSync(path.join(sidecarCopy, 'package.json'), JSON.stringify({ name, version, type, bin }));
    for (const target of Object.values(bin)) {
      const file = path.join(sidecarDir, target);
      if (!tracked(file)) continue;
      fs.mkdirSync(path.dirname(path.join(sidecarCopy, target)), { recursive: true });
      fs.copyFileSync(file, path.join(sidecarCopy, target));
    }
    const user = path.join(scratch, 'user');
    fs.mkdirSync(user);
    fs.writeFileSync(
      path.join(user, 'package.json'),
      JSON.stringify({ name: 'bin-user', version: '0.0.0', private: true, dependencies: { [name]: 'workspace:*' } }),
    );
    fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'root', private: true }));
    fs.writeFileSync(path.join(scratch, 'pnpm-workspace.yaml'), 'packages:\n  - sidecar\n  - user\n');

    const install = pnpm(
      ['install', '--offline', '--no-frozen-lockfile', '--store-dir', path.join(scratch, '.store')],
      scratch,
    );
    const said = `${install.stdout}${install.stderr}`;
    expect(install.status, said).toBe(0);
    expect(said).not.toMatch(/WARN|Failed to create bin/);

    const linked = path.join(user, 'node_modules', '.bin', 'prealert');
    expect(fs.existsSync(linked)).toBe(true);
    const unbuilt = spawnSync(linked, ['--version'], { encoding: 'utf8' });
    expect(unbuilt.status).toBe(1);
    expect(unbuilt.stderr).toBe('prealert: not built yet: run pnpm build (or pnpm build:js) at the repository root\n');
  }, 60_000);

  it('once built, the same bin runs the CLI', () => {
    const built = spawnSync(process.execPath, [path.join(sidecarDir, manifest.bin.prealert!), '--version'], {
      encoding: 'utf8',
    });
    expect(built.stderr).toBe('');
    // The package version, and the build's identity after a + (commit and day) when built from a git checkout; then
    // the records schema it writes.
    const [build, schema] = built.stdout.trim().split('\n');
    expect(build).toMatch(new RegExp(`^${manifest.version.replaceAll('.', '\\.')}(\\+[0-9A-Za-z.-]+)?$`));
    expect(schema).toMatch(/^records schema \d+$/);
  });
});
