// The identity a build gives itself, made at build time so that every build of one version can be told apart
// (after a partial roll-back IT asks which workstations run which build): `<version>+<commit>.<commit day>`, e.g.
// 0.1.0+d2f4861.20261130. BUILD_ID set at build time is used as it is, after the `+` (a build from an exported
// tarball has no .git to read); with neither, the version alone. Nothing here runs when prealert runs: the sidecar's
// tsup build inlines the result.
import { execFileSync } from 'node:child_process';

const SAFE = /^[0-9A-Za-z.-]{1,64}$/;

/** The commit checked out in `dir` (short hash) and its commit day (UTC, yyyymmdd); undefined outside a git checkout. */
export function gitCommit(dir) {
  try {
    const out = execFileSync('git', ['log', '-1', '--format=%h %ct'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const [hash, seconds] = out.split(' ');
    if (!hash || !seconds) return undefined;
    const day = new Date(Number(seconds) * 1000).toISOString().slice(0, 10).replaceAll('-', '');
    return { hash, day };
  } catch {
    // No git installed, or not a checkout (an exported tarball): the caller falls back.
    return undefined;
  }
}

/** `<version>+<build>`: BUILD_ID if set, else the git commit and day, else the version alone. */
export function buildIdentity(version, dir, env = process.env) {
  const given = env.BUILD_ID?.trim();
  if (given) {
    if (!SAFE.test(given))
      throw new Error(`BUILD_ID ${JSON.stringify(given)}: use letters, digits, . and - only (at most 64)`);
    return `${version}+${given}`;
  }
  const commit = gitCommit(dir);
  return commit ? `${version}+${commit.hash}.${commit.day}` : version;
}
