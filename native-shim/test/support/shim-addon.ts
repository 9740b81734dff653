import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildShim } from './build-once';
import { ADDON, LINUX_LIBRARY } from './paths';

/** utf8: prealert_call; gbk: prealert_call_gbk (GB18030 bytes); w: prealert_call_w (UTF-16LE). */
export type Flavour = 'utf8' | 'gbk' | 'w';

export interface CallOutcome {
  rc: number;
  /** The output up to its terminator, as raw bytes in the flavour's encoding. */
  output: Buffer;
  /** A terminator was found within the capacity. */
  terminated: boolean;
  /** The 64 bytes after the capacity were left untouched. */
  guardIntact: boolean;
  /** Time spent inside the shim call, measured in C++ around it. */
  elapsedMs: number;
}

export interface ShimLibrary {
  /** infno and input are raw bytes without terminator (null passes a NULL pointer); capacity in units. */
  call(
    flavour: Flavour,
    infno: Buffer | null,
    input: Buffer | null,
    capacity: number,
    nullOutput?: boolean,
    /** Put the input in the output buffer and pass that one buffer as both, as some HIS code does. */
    sameBuffer?: boolean,
  ): Promise<CallOutcome>;
  /** threads native threads each making `calls` calls at once. */
  hammer(
    flavour: Flavour,
    infno: Buffer,
    input: Buffer,
    capacity: number,
    threads: number,
    calls: number,
  ): Promise<CallOutcome[]>;
  version(): string;
  setOption(name: string | null, value: string | null): number;
}

interface Addon {
  open(libraryPath: string): ShimLibrary;
}

let shim: ShimLibrary | undefined;

/** The built libprealert.so, loaded through the Node addon (one instance per test process). */
export function loadShim(): ShimLibrary {
  if (!shim) {
    buildShim();
    const addon = createRequire(import.meta.url)(ADDON) as Addon;
    shim = addon.open(LINUX_LIBRARY);
  }
  return shim;
}

export const RC = { ok: 0, failOpen: 1, nullArgument: -1, capacity: -2, infno: -3, option: -4 } as const;

/**
 * A second, independent instance of the shim: the library copied to `directory` and loaded from there,
 * with its own settings and breaker. For tests of prealert.ini (read next to the library) and of the
 * environment, which must not disturb the shared instance.
 */
export function loadShimCopy(directory: string): ShimLibrary {
  loadShim();
  const copy = path.join(directory, 'libprealert.so');
  fs.copyFileSync(LINUX_LIBRARY, copy);
  const addon = createRequire(import.meta.url)(ADDON) as Addon;
  return addon.open(copy);
}
