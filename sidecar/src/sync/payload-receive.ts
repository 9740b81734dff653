import type { BundleManifest, Slicer } from '@prealert/rules-cache';
import type { Agent } from 'undici';
import { receiveDelta } from './delta';
import type { LastGoodStore, StoredVersion } from './last-good-store';
import type { LibraryPacker } from './library-packer';
import type { Payload, PayloadKind } from './sync-types';

// Receiving an activation's bytes into the packer, whichever way they come (a download, a push's pipe, a delta):
// the step before the received library is checked against its manifest.

export interface PayloadReception {
  kind: PayloadKind;
  manifest: BundleManifest;
  payload: Payload;
  packer: LibraryPacker;
  slicer: Slicer;
  /** Downloads a delta from the platform (set once a poll has run). */
  agent: Agent | undefined;
  /** The library running, read when a delta has arrived. */
  active: () => StoredVersion | undefined;
  store: LastGoodStore;
}

/** Feeds the payload to the packer; the bytes received (of the library or of the delta), for the report. */
export async function receivePayload({
  kind,
  manifest: m,
  payload,
  packer,
  slicer,
  agent,
  active,
  store,
}: PayloadReception): Promise<number> {
  let received = 0;
  if (kind === 'full') {
    if ('url' in payload) received = await packer.download(payload.url, payload.limits);
    else {
      await payload.pipe(async (chunk) => {
        received += chunk.length;
        await packer.write(chunk);
      });
    }
  } else {
    await receiveDelta({
      manifest: m,
      payload,
      packer,
      slicer,
      agent,
      active,
      store,
      onBytes: (bytes) => {
        received += bytes;
      },
    });
  }
  return received;
}
