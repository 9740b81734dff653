/**
 * Shared by the sync tests: real keys, bundles built from the real NHSA files, and the provincial platform
 * simulator on loopback.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileLibrary, type LibraryData } from '@prealert/core';
import {
  type GeneratedKeys,
  generateSigningKeys,
  libraryFromFiles,
  loadNationalLibrary,
  readPrivateKey,
  type WrittenBundle,
  writeBundle,
} from '@prealert/rules-cache';
import type { ProvincialPlatform } from '../../examples/provincial-platform/src/platform-server';
import { LibraryHolder } from '../src/library-holder';
import { createLogger, type Logger } from '../src/logging';
import type { PollMemory } from '../src/sync/last-good-store';
import { LibrarySync } from '../src/sync/library-sync';
import { loadSyncConfig } from '../src/sync/sync-config';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared data sits beside the checkout (CI clones into another folder with shared/ next to it). */
export const NHSA_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'data', 'nhsa');
export const BATCH_FILES = [
  'first_batch_knowledge_points.json',
  'batches_2_8_knowledge_points.json',
  'batches_9_17_knowledge_points.json',
].map((f) => path.join(NHSA_DIR, f));
export const REVISION_FILE = path.join(NHSA_DIR, 'revision_2026_01_knowledge_points.json');

export const V1 = 'nhsa-b1-17';
export const V2 = 'nhsa-b1-17+r2026.01';

/**
 * Prescriptions whose outcome differs between the two real versions (found in the NHSA files):
 *  - 恩扎卢胺软胶囊 XL02BBE088E002010102180 (male only) is added to its point by the 2026-01 re-issue: for a
 *    woman it fires under r2026.01, not under the published batches;
 *  - 妇科十味片 ZD01AAF0204010102959 (female only) is dropped from its point by the re-issue: for a man it fires
 *    under the published batches, not under r2026.01.
 */
export const ADDED_BY_REVISION = { code: 'XL02BBE088E002010102180', name: '恩扎卢胺软胶囊', gend: '2' } as const;
export const DROPPED_BY_REVISION = { code: 'ZD01AAF0204010102959', name: '妇科十味片', gend: '1' } as const;

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `prealert-${prefix}-`));
}

/** A local (provincial) addition as a CSV, with real national codes: a dept limit on two real drugs. */
export function provincialCsv(dir: string): string {
  const file = path.join(dir, 'province-44.csv');
  fs.writeFileSync(
    file,
    [
      'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code,effective_from,effective_to',
      '药品儿童专用,GZ10000301002000,drug,小儿热速清颗粒(本省),age_group,婴幼儿,本省限婴幼儿,ZA01BAX0496010103665,,',
    ].join('\n'),
  );
  return file;
}

let counter = 0;

/** Bundle builder with strictly increasing creation times (the sidecar refuses a pulled bundle older than one it has). */
export class BundleFactory {
  readonly dir: string;
  readonly keys: GeneratedKeys;
  private readonly base = Date.now();

  constructor(dir = tempDir('bundles'), keys?: GeneratedKeys) {
    this.dir = dir;
    this.keys = keys ?? generateSigningKeys(path.join(dir, 'keys'));
  }

  library(version: string, options: { revision?: boolean; extra?: string[]; createdAt?: string } = {}): LibraryData {
    const result = libraryFromFiles({
      meta: {
        version,
        region: 'national',
        createdAt: options.createdAt ?? new Date(this.base + ++counter * 1000).toISOString(),
      },
      sources: [...BATCH_FILES, ...(options.extra ?? [])],
      revisions: options.revision ? [REVISION_FILE] : [],
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues.slice(0, 3)));
    return result.value;
  }

  write(name: string, library: LibraryData, parent?: WrittenBundle, keyFile = this.keys.privateKeyFile): WrittenBundle {
    return writeBundle({
      library,
      privateKey: readPrivateKey(keyFile),
      outDir: path.join(this.dir, name),
      ...(parent ? { parentDir: parent.dir } : {}),
    });
  }
}

/** A held-back version as status names it: the version name and the start of its library's sha256. */
export function heldBackLabel(bundle: WrittenBundle): string {
  return `${bundle.manifest.signed.version} (${bundle.manifest.signed.library.sha256.slice(0, 12)})`;
}

/** Polls `check` until it returns a value (not undefined), or fails with the last state seen. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Makes a directory refuse new entries, as Windows does while an antivirus scanner holds it: immutable (chattr +i,
 * which fails a rename into it with EPERM) when the tests run as root, read-only (EACCES) otherwise. Returns the
 * undo, or undefined when neither takes effect on this machine.
 */
export function blockWrites(dir: string): (() => void) | undefined {
  const probe = path.join(dir, '.probe');
  const blocked = () => {
    try {
      fs.writeFileSync(probe, '');
      fs.rmSync(probe);
      return false;
    } catch {
      return true;
    }
  };
  const ways = [
    {
      block: () => execFileSync('chattr', ['+i', dir], { stdio: 'ignore' }),
      undo: () => execFileSync('chattr', ['-i', dir], { stdio: 'ignore' }),
    },
    { block: () => fs.chmodSync(dir, 0o555), undo: () => fs.chmodSync(dir, 0o755) },
  ];
  for (const way of ways) {
    try {
      way.block();
    } catch {
      continue;
    }
    if (blocked()) return way.undo;
    way.undo();
  }
  return undefined;
}

/**
 * A real disk of `bytes` (a tmpfs mounted on a new directory), for a disk that fills up. Undefined where this
 * machine does not let the tests mount one (not root).
 */
export function smallDisk(bytes: number): { dir: string; release: () => void } | undefined {
  const dir = tempDir('small-disk');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    dir,
    release: () => {
      execFileSync('umount', [dir], { stdio: 'ignore' });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface FollowOptions {
  env?: Record<string, string>;
  adminEnabled?: boolean;
  useWorker?: boolean;
  /** As the sidecar starts when a last-good library is stored: the bundled library is not compiled. */
  startEmpty?: boolean;
  now?: () => number;
  /** PREALERT_SYNC_TIMEOUT_S (default 5). */
  timeoutS?: number;
  /** Where the sync logs (default: nowhere), for a test that reads what it said. */
  logger?: Logger;
}

/**
 * The sync tests' workstations: each follows the platform simulator with the test keys, as the sidecar sets it up;
 * the data dirs and syncs made are stopped and removed together by cleanup().
 */
export class Workstations {
  private readonly syncs: LibrarySync[] = [];
  private readonly dataDirs: string[] = [];
  private readonly logger = createLogger({ level: 'silent' });
  private bundled: LibraryData | undefined;

  freshDataDir(name: string): string {
    const dir = tempDir(name);
    this.dataDirs.push(dir);
    return dir;
  }

  follow(
    platform: ProvincialPlatform,
    keys: GeneratedKeys,
    dataDir: string,
    options: FollowOptions = {},
  ): { holder: LibraryHolder; sync: LibrarySync } {
    const holder = new LibraryHolder();
    if (!options.startEmpty) {
      this.bundled ??= loadNationalLibrary();
      holder.swap(compileLibrary(this.bundled), { source: 'bundled' });
    }
    const sync = new LibrarySync({
      config: loadSyncConfig({
        PREALERT_SYNC_URL: platform.bundleUrl,
        PREALERT_SYNC_PUBKEY: keys.publicKeyFile,
        PREALERT_SYNC_TIMEOUT_S: String(options.timeoutS ?? 5),
        ...options.env,
      }),
      dataDir,
      holder,
      logger: options.logger ?? this.logger,
      adminEnabled: options.adminEnabled ?? false,
      ...(options.useWorker !== undefined ? { useWorker: options.useWorker } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    this.syncs.push(sync);
    return { holder, sync };
  }

  async cleanup(): Promise<void> {
    for (const sync of this.syncs) await sync.stop();
    for (const dir of this.dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The platform's requests after the first n, as "target status". */
export function requestsAfter(platform: ProvincialPlatform, n: number): string[] {
  return platform.requests.slice(n).map((r) => `${r.target} ${r.status}`);
}

/** The poller's memory as the sidecar stored it in `dataDir` (library/sync.json). */
export function pollMemory(dataDir: string): PollMemory {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'library', 'sync.json'), 'utf8')) as PollMemory;
}

/** Publishes each bundle in turn and polls once after each: every one must be taken and run ("pulled A, then B"). */
export async function pullInTurn(
  platform: ProvincialPlatform,
  sync: LibrarySync,
  bundles: readonly WrittenBundle[],
): Promise<void> {
  for (const bundle of bundles) {
    platform.publish(bundle.dir);
    // A plain check, not vitest's expect: pnpm bench:swap imports this file outside vitest.
    const polled = await sync.pollNow();
    const version = bundle.manifest.signed.version;
    if (polled.outcome !== 'activated' || polled.report.version !== version) {
      throw new Error(`expected ${version} activated, the poll gave ${JSON.stringify(polled)}`);
    }
  }
}

/** Removes every PREALERT_SYNC_* setting: each sync test starts from none, as a fresh workstation does. */
export function clearSyncEnv(): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('PREALERT_SYNC_')) delete process.env[key];
}

/** Sync settings for an in-process sidecar: this platform and key only, polling too rarely to interfere (1 h). */
export function useSyncEnv(bundleUrl: string, publicKeyFile: string): void {
  clearSyncEnv();
  Object.assign(process.env, {
    PREALERT_SYNC_URL: bundleUrl,
    PREALERT_SYNC_PUBKEY: publicKeyFile,
    PREALERT_SYNC_INTERVAL_S: '3600',
  });
}

/**
 * Fills the disk holding `dir` (a smallDisk) up to `leave` bytes free with a file; returns it, to be removed when
 * space is to come back.
 */
export function fillDisk(dir: string, leave = 0): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512, 1]) {
      const block = Buffer.alloc(size, 1);
      for (;;) {
        try {
          fs.writeSync(fd, block);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  if (leave > 0) fs.truncateSync(filler, fs.statSync(filler).size - leave);
  return filler;
}
