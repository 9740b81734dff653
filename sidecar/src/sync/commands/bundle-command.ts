import fs from 'node:fs';
import path from 'node:path';
import { coverageLines, type LibraryCoverage, type LibraryData, libraryCoverage } from '@prealert/core';
import {
  formatIssues,
  futureDateWarning,
  libraryFromFiles,
  loadNationalLibrary,
  MANIFEST_FILE,
  readManifestUnverified,
  readPrivateKey,
  readPublicKeys,
  reviewAgainstParent,
  VERSION_PATTERN,
  verifyBundleDir,
  writeBundle,
} from '@prealert/rules-cache';
import type { Command } from 'commander';
import { shrinkProblem } from '../shrink-guard';
import { loadSyncConfig } from '../sync-config';

interface BuildOptions {
  source: string[];
  revision?: string[];
  version: string;
  key: string;
  out: string;
  parent?: string;
  region: string;
  description?: string;
  createdAt?: string;
  allowShrink?: boolean;
}

/** National points carry NHSA's batch number; a local CSV row has none. */
const nationalPoints = (library: LibraryData): number =>
  library.knowledgePoints.filter((kp) => kp.batch !== undefined).length;

/**
 * Why the library would leave workstations with most of their points gone: against the parent's points when it
 * follows one, else against the national points of the library prealert bundles (what a workstation without any
 * bundle runs), so the first bundle a hospital builds from local.csv alone is caught too.
 */
function shrinkOf(library: LibraryData, parentDir: string | undefined): string | undefined {
  const next = library.meta.version;
  if (parentDir) {
    const file = path.join(parentDir, MANIFEST_FILE);
    const parent = readManifestUnverified(fs.readFileSync(file), file);
    return shrinkProblem(
      { name: `the parent ${parent.version}`, points: parent.library.knowledge_points },
      { name: next, points: library.knowledgePoints.length },
      'knowledge points',
    );
  }
  const national = loadNationalLibrary();
  return shrinkProblem(
    { name: `the national library prealert bundles (${national.meta.version})`, points: nationalPoints(national) },
    { name: next, points: nationalPoints(library) },
    'national knowledge points',
  );
}

/**
 * Without --parent, the library is reviewed against the national library this build bundles (what a workstation
 * without any bundle runs), in the words of the review against a parent: a bundle built without --revision left the
 * 2026-01 re-issue out and went out with fewer points and no warning, and a push then replaced the full library.
 */
function reviewAgainstBundled(library: LibraryData): string[] {
  const national = loadNationalLibrary();
  return reviewAgainstParent(
    { version: `the bundled national library ${national.meta.version}`, knowledgePoints: national.knowledgePoints },
    { version: library.meta.version, knowledgePoints: library.knowledgePoints },
  );
}

/**
 * How far ahead of a workstation's clock a bundle may be dated: the workstations' own default, read where they read
 * it (not this machine's environment: the builder is not the workstation).
 */
const WORKSTATION_CLOCK_AHEAD_MS = loadSyncConfig({}).maxClockSkewMs;

/** Warnings go to stderr, one a line, and leave the exit code alone: the bundle is good, something looks wrong. */
function warn(warnings: readonly (string | undefined)[]): void {
  for (const w of warnings) if (w) process.stderr.write(`warning: ${w}\n`);
}

/** One indented line per class of point, under a heading: how much of the library can only ask or hangs on settings. */
function coverageReport(coverage: LibraryCoverage): string[] {
  return ['  what its points can check:', ...coverageLines(coverage).map((line) => `    ${line}`)];
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

export function registerBundle(program: Command): void {
  const bundle = program.command('bundle').description('build and verify signed library bundles');

  bundle
    .command('build')
    .description('build a signed bundle directory (serve it from any static HTTP server or CDN)')
    .requiredOption('--source <files...>', 'published JSON batches and/or local CSV files, in order')
    .option('--revision <files...>', 're-issues: each record replaces the points with the same rule and item name')
    .requiredOption('--version <version>', 'version name, e.g. nhsa-b1-17+r2026.01')
    .requiredOption('--key <file>', 'private key from `prealert keygen`')
    .requiredOption('--out <dir>', 'bundle directory to write (may be the --parent directory)')
    .option('--parent <dir>', 'the bundle this one follows: a delta from it is written too')
    .option('--region <region>', 'national, a province code or a hospital code', 'national')
    .option('--description <text>', 'what changed, for people')
    .option('--created-at <iso>', 'creation time (default now)')
    .option(
      '--allow-shrink',
      'build it though it keeps less than half the points of the parent (or, without --parent, of the bundled national library)',
    )
    .action((options: BuildOptions) => {
      if (!VERSION_PATTERN.test(options.version)) {
        throw new Error(
          `--version ${JSON.stringify(options.version)}: use letters, digits and . _ + - only, starting with a letter or digit (at most 64)`,
        );
      }
      const createdAt = options.createdAt ?? new Date().toISOString();
      if (Number.isNaN(Date.parse(createdAt)))
        throw new Error(`--created-at ${JSON.stringify(createdAt)} is not a date-time`);
      const privateKey = readPrivateKey(options.key);
      const built = libraryFromFiles({
        meta: {
          version: options.version,
          region: options.region,
          createdAt,
          ...(options.description ? { description: options.description } : {}),
        },
        sources: options.source,
        revisions: options.revision ?? [],
      });
      if (!built.ok) {
        process.stderr.write(`${formatIssues(built.issues)}\n`);
        throw new Error(`${built.issues.length} problem(s) in the sources; no bundle was written`);
      }
      if (!options.allowShrink) {
        const shrink = shrinkOf(built.value, options.parent);
        if (shrink) throw new Error(`${shrink}; no bundle was written`);
      }
      const written = writeBundle({
        library: built.value,
        privateKey,
        outDir: options.out,
        ...(options.parent ? { parentDir: options.parent } : {}),
      });
      const m = written.manifest.signed;
      const lines = [
        `bundle ${m.version} (${m.region}) written to ${path.resolve(written.dir)}`,
        `  signed by key ${written.manifest.signatures[0]!.key_id}`,
        `  ${m.library.rules} rules, ${m.library.knowledge_points} knowledge points`,
        `  full:  ${m.library.file} (${kib(m.library.size)}, sha256 ${m.library.sha256})`,
      ];
      if (m.delta) {
        const c = m.delta.changes;
        lines.push(
          `  delta: ${m.delta.file} from ${m.delta.from_version} (${kib(m.delta.size)}): ` +
            `${c.put_points} points added or changed, ${c.del_points} removed, ${c.put_rules + c.del_rules} rule changes`,
        );
      } else if (options.parent) lines.push('  no delta: the library is identical to the parent');
      if (written.removed.length > 0) lines.push(`  removed old files: ${written.removed.join(', ')}`);
      lines.push(...coverageReport(libraryCoverage(built.value.knowledgePoints)));
      process.stdout.write(`${lines.join('\n')}\n`);
      warn([
        ...(built.notes ? formatIssues(built.notes).split('\n') : []),
        ...(options.parent ? written.warnings : [...written.warnings, ...reviewAgainstBundled(built.value)]),
        futureDateWarning(m.created_at, Date.now(), WORKSTATION_CLOCK_AHEAD_MS),
      ]);
    });

  bundle
    .command('verify <dir>')
    .description('check a bundle as a workstation would: signature, hashes, library, delta')
    .requiredOption('--pubkey <file>', 'trusted public key(s), PEM')
    .option('--parent <dir>', 'parent bundle, to apply and check the delta')
    .action(async (dir: string, options: { pubkey: string; parent?: string }) => {
      const result = await verifyBundleDir(dir, readPublicKeys(options.pubkey), {
        ...(options.parent ? { parentDir: options.parent } : {}),
      });
      const m = result.manifest;
      const lines = [
        `OK ${m.version} (${m.region}, created ${m.created_at}), signed by trusted key ${result.keyId}`,
        `  full:  ${m.library.file}: sha256 and size match; ${result.library.rules} rules, ${result.library.knowledgePoints} points, ${result.library.codes} national codes; compiles`,
      ];
      if (result.delta) {
        lines.push(
          result.delta.applied
            ? `  delta: ${m.delta!.file}: sha256 matches; applied to ${m.delta!.from_version} it gives the full library exactly`
            : `  delta: ${m.delta!.file}: sha256 matches; not applied (${result.delta.note})`,
        );
      }
      lines.push(...coverageReport(result.coverage));
      process.stdout.write(`${lines.join('\n')}\n`);
      warn([...result.warnings, futureDateWarning(m.created_at, Date.now(), WORKSTATION_CLOCK_AHEAD_MS)]);
    });
}
