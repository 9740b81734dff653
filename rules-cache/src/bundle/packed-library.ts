import { type CompiledLibrary, codeTableBuffers, type KnowledgePoint, lazyLibrary } from '@prealert/core';
import type { PackedLibrary } from './library-reader';

const utf8 = new TextDecoder();

/**
 * The evaluator's library over a packed one: no point is decoded until a prescription names one of its codes, so
 * activation costs the receiving thread O(rules), however many points the library has.
 */
export function unpackLibrary(packed: PackedLibrary): CompiledLibrary {
  const { pointBytes, pointStart } = packed;
  return lazyLibrary(
    packed.meta,
    packed.rules,
    packed.table,
    packed.pointCount,
    (n) => {
      const line = utf8.decode(pointBytes.subarray(pointStart[n]!, pointStart[n + 1]!));
      return (JSON.parse(line) as { kp: KnowledgePoint }).kp;
    },
    packed.coverage,
  );
}

/** The buffers of a packed library, for a postMessage transfer list (shared ones are shared, not transferred). */
export function packedLibraryBuffers(packed: PackedLibrary): ArrayBuffer[] {
  const buffers: ArrayBufferLike[] = [
    ...codeTableBuffers(packed.table),
    packed.pointBytes.buffer,
    packed.pointStart.buffer,
  ];
  return buffers.filter((b): b is ArrayBuffer => !(b instanceof SharedArrayBuffer));
}
