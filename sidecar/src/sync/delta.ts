import fs from 'node:fs';
import { BundleError, type BundleManifest, DeltaReader, expectDigest, type Slicer } from '@prealert/rules-cache';
import type { Agent } from 'undici';
import { streamFile } from './bundle-fetch';
import type { LastGoodStore, StoredVersion } from './last-good-store';
import type { LibraryPacker } from './library-packer';
import type { Payload } from './sync-types';

/** Whether the bundle's delta leads from the library running, and that library's file is in the store to merge with. */
export function deltaApplies(m: BundleManifest, active: StoredVersion | undefined, store: LastGoodStore): boolean {
  if (!m.delta || !active?.sha256 || active.sha256 !== m.delta.from_sha256) return false;
  const files = store.files(active);
  return files !== undefined && fs.existsSync(files.library);
}

export interface DeltaReception {
  /** Offers a delta (the caller checked it does). */
  manifest: BundleManifest;
  payload: Payload;
  packer: LibraryPacker;
  slicer: Slicer;
  /** Downloads a delta from the platform (set once a poll has run). */
  agent: Agent | undefined;
  /** The library running, read when the delta has arrived. */
  active: () => StoredVersion | undefined;
  store: LastGoodStore;
  /** Bytes of the delta as they arrive. */
  onBytes: (bytes: number) => void;
}

/**
 * Receives a delta and has the packer merge it with the library running, after checking it leads from that
 * library to the offered one.
 */
export async function receiveDelta(options: DeltaReception): Promise<void> {
  const { packer, slicer, payload, store } = options;
  const entry = options.manifest.delta!;
  const deltaReader = new DeltaReader(entry.file, entry.size);
  // A delta is small (the changed lines): it is received here, and the merge runs with the packer.
  const take = async (chunk: Buffer) => {
    options.onBytes(chunk.length);
    deltaReader.write(chunk);
    await slicer.pause();
  };
  if ('url' in payload) await streamFile(options.agent!, payload.url, payload.limits, take);
  else await payload.pipe(take);
  const delta = deltaReader.end();
  expectDigest(entry.file, delta, entry);
  const active = options.active();
  if (delta.header.from_sha256 !== active?.sha256 || delta.header.to_sha256 !== options.manifest.library.sha256) {
    throw new BundleError('does not lead from the active library to the offered one', 'wrong_parent', entry.file);
  }
  const parent = active && store.files(active);
  if (!parent) throw new BundleError('the active library is not in the store', 'wrong_parent');
  await packer.mergeDelta(parent.library, delta);
}
