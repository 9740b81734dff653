import { createHmac, type Hmac, timingSafeEqual } from 'node:crypto';
import type { CodeTable, LibraryCoverage, LibraryMeta, Rule } from '@prealert/core';
import type { LibraryDigest, PackedLibrary, PackedReadResult } from './library-reader';

/**
 * A library image: a packed library (library-reader's PackedLibrary) as one file, so that a workstation reading
 * back a library it verified before reads a few buffers instead of hashing, parsing and indexing every line.
 *
 *   0   8 bytes  "PALIMAGE"
 *   8   u32      format version (LIBRARY_IMAGE_FORMAT)
 *   12  u32      0x01020304 in the writer's byte order (the arrays below are in it too)
 *   16  u64      the file's length in bytes
 *   24  u32      header length in bytes
 *   28  u32      0
 *   32  header   UTF-8 JSON (ImageHeader): the library's digest, meta, rules, point count, where each array lies
 *   …   arrays   each at a multiple of 8: point starts, code table, point bytes
 *   end 32 bytes HMAC-SHA256 of everything before it, with the key the caller gives
 *
 * An image is a cache, never a source of truth: it is trusted only as far as its HMAC proves it was written with
 * the caller's key, and only for the library whose sha256 the caller expects. The caller keeps the key to itself
 * (the sidecar derives it from its install secret), so a file put in its place cannot pass for one it wrote.
 */

export const LIBRARY_IMAGE_FORMAT = 1;
const MAGIC = Buffer.from('PALIMAGE', 'latin1');
const BYTE_ORDER = 0x01020304;
const PREFIX_BYTES = 32;
const MAC_BYTES = 32;
const ALIGN = 8;
/** An image is written in pieces of at most this many bytes (see LibraryImage.pieces). */
const PIECE_BYTES = 1 << 20;

/** Why an image was not used. */
export type LibraryImageProblem =
  /** No image file. */
  | 'missing'
  /** The file could not be read. */
  | 'unreadable'
  /** Not an image, an image of another format version or byte order. */
  | 'other_format'
  /** Shorter (or longer) than its prefix says: a write cut off. */
  | 'truncated'
  /** Its HMAC does not verify with this key: written by another installation, or damaged. */
  | 'integrity'
  /** A whole image, of another library than the one expected. */
  | 'other_library';

export class LibraryImageError extends Error {
  override name = 'LibraryImageError';

  constructor(
    message: string,
    readonly problem: LibraryImageProblem,
    readonly file: string,
  ) {
    super(`${file}: ${message}`);
  }
}

type ArrayName = 'pointStart' | 'slots' | 'codeStart' | 'refStart' | 'pointRefs' | 'codeChars' | 'pointBytes';

/** The order the arrays are written in: the small ones first, the points' bytes (most of the file) last. */
const ARRAYS: readonly ArrayName[] = [
  'pointStart',
  'slots',
  'codeStart',
  'refStart',
  'pointRefs',
  'codeChars',
  'pointBytes',
];

interface ImageHeader {
  library: LibraryDigest;
  meta: LibraryMeta;
  rules: Rule[];
  pointCount: number;
  /** What the points can check (text only, on a fallback, by a setting), counted when the library was read. */
  coverage: LibraryCoverage;
  /** Each array's [offset from the first array's, length in bytes]; the first starts at the multiple of 8 after the header. */
  arrays: Record<ArrayName, [number, number]>;
}

type AnyArray = Uint8Array | Uint16Array | Int32Array;

function arraysOf(packed: PackedLibrary): Record<ArrayName, AnyArray> {
  return { ...packed.table, pointStart: packed.pointStart, pointBytes: packed.pointBytes };
}

function bytesOf(array: AnyArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

const aligned = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** An image to be written: its length, and its bytes in pieces (the HMAC is computed as they are taken). */
export interface LibraryImage {
  size: number;
  pieces(): Generator<Uint8Array>;
}

/**
 * The image of a library read and verified by LibraryReader (`packed: true`): `read` carries the digest the image
 * is then bound to. Arrays on SharedArrayBuffers are written from where they are, not copied.
 */
export function libraryImage(read: PackedReadResult, key: Uint8Array): LibraryImage {
  const { packed } = read;
  const digest: LibraryDigest = {
    sha256: read.sha256,
    size: read.size,
    rules: read.rules,
    knowledgePoints: read.knowledgePoints,
    rulesSha256: read.rulesSha256,
    knowledgePointsSha256: read.knowledgePointsSha256,
  };
  const arrays = arraysOf(packed);
  // Places are counted from the first array, which follows the header: the header's length does not change them.
  const places = {} as ImageHeader['arrays'];
  let offset = 0;
  for (const name of ARRAYS) {
    places[name] = [offset, arrays[name].byteLength];
    offset = aligned(offset + arrays[name].byteLength);
  }
  const header: ImageHeader = {
    library: digest,
    meta: packed.meta,
    rules: packed.rules,
    pointCount: packed.pointCount,
    coverage: packed.coverage,
    arrays: places,
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const arraysStart = aligned(PREFIX_BYTES + headerBytes.length);
  const size = arraysStart + offset + MAC_BYTES;
  return {
    size,
    *pieces() {
      const mac = createHmac('sha256', key);
      const start = Buffer.alloc(arraysStart);
      MAGIC.copy(start, 0);
      const view = new DataView(start.buffer, start.byteOffset, start.byteLength);
      view.setUint32(8, LIBRARY_IMAGE_FORMAT, true);
      // In the writer's own order, as the arrays are: a reader of the other order sees 0x04030201.
      new Uint32Array(start.buffer, start.byteOffset + 12, 1)[0] = BYTE_ORDER;
      view.setBigUint64(16, BigInt(size), true);
      view.setUint32(24, headerBytes.length, true);
      headerBytes.copy(start, PREFIX_BYTES);
      mac.update(start);
      yield start;
      let at = start.length;
      for (const name of ARRAYS) {
        const from = arraysStart + places[name][0];
        const length = places[name][1];
        if (from > at) {
          const gap = Buffer.alloc(from - at);
          mac.update(gap);
          yield gap;
        }
        const bytes = bytesOf(arrays[name]);
        for (let piece = 0; piece < length; piece += PIECE_BYTES) {
          const part = bytes.subarray(piece, piece + PIECE_BYTES);
          mac.update(part);
          yield part;
        }
        at = from + length;
      }
      if (size - MAC_BYTES > at) {
        const gap = Buffer.alloc(size - MAC_BYTES - at);
        mac.update(gap);
        yield gap;
      }
      yield mac.digest();
    },
  };
}

/**
 * Reads an image as its bytes arrive (like LibraryReader: a caller feeding chunks pauses between them), into one
 * buffer the arrays then view without a copy. `size`: the file's length; `expectedSha256`: the library the image
 * must be of. `shared`: on a SharedArrayBuffer, to be shared with another thread (see LibraryReader).
 */
export class LibraryImageReader {
  private readonly bytes: Uint8Array;
  private readonly mac: Hmac;
  private used = 0;
  private checkedPrefix = false;

  constructor(
    private readonly file: string,
    private readonly size: number,
    key: Uint8Array,
    private readonly expectedSha256: string,
    options: { shared?: boolean } = {},
  ) {
    if (size < PREFIX_BYTES + MAC_BYTES) {
      throw new LibraryImageError(`is ${size} bytes, too short for an image`, 'truncated', file);
    }
    this.bytes = options.shared ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(size);
    this.mac = createHmac('sha256', key);
  }

  write(chunk: Uint8Array): void {
    if (this.used + chunk.byteLength > this.size) {
      throw new LibraryImageError(`grew beyond the ${this.size} bytes it had when opened`, 'truncated', this.file);
    }
    this.bytes.set(chunk, this.used);
    // Everything but the last 32 bytes (the HMAC itself) is authenticated.
    const macEnd = this.size - MAC_BYTES;
    if (this.used < macEnd) this.mac.update(chunk.subarray(0, Math.min(chunk.byteLength, macEnd - this.used)));
    this.used += chunk.byteLength;
    if (!this.checkedPrefix && this.used >= PREFIX_BYTES) this.checkPrefix();
  }

  /** Refuses another format, byte order or a cut-off file before the rest is read. */
  private checkPrefix(): void {
    this.checkedPrefix = true;
    const b = this.bytes;
    if (!Buffer.from(b.buffer, b.byteOffset, MAGIC.length).equals(MAGIC)) {
      throw new LibraryImageError('is not a library image', 'other_format', this.file);
    }
    const view = new DataView(b.buffer, b.byteOffset, PREFIX_BYTES);
    const format = view.getUint32(8, true);
    if (format !== LIBRARY_IMAGE_FORMAT) {
      throw new LibraryImageError(
        `is of image format ${format}, this build reads ${LIBRARY_IMAGE_FORMAT}`,
        'other_format',
        this.file,
      );
    }
    if (new Uint32Array(b.buffer, b.byteOffset + 12, 1)[0] !== BYTE_ORDER) {
      throw new LibraryImageError('was written on a machine of the other byte order', 'other_format', this.file);
    }
    const declared = view.getBigUint64(16, true);
    if (declared !== BigInt(this.size)) {
      throw new LibraryImageError(`is ${this.size} bytes, its prefix says ${declared}`, 'truncated', this.file);
    }
  }

  /** The packed library, once every byte was read and the HMAC verified. */
  end(): PackedReadResult {
    if (this.used !== this.size) {
      throw new LibraryImageError(`ended after ${this.used} of its ${this.size} bytes`, 'truncated', this.file);
    }
    const b = this.bytes;
    const expected = Buffer.from(b.buffer, b.byteOffset + this.size - MAC_BYTES, MAC_BYTES);
    if (!timingSafeEqual(this.mac.digest(), expected)) {
      throw new LibraryImageError(
        "does not verify with this installation's key (written by another installation, or damaged)",
        'integrity',
        this.file,
      );
    }
    // From here on the bytes are as this key's holder wrote them: what follows guards against its own mistakes.
    const headerLength = new DataView(b.buffer, b.byteOffset, PREFIX_BYTES).getUint32(24, true);
    let header: ImageHeader;
    try {
      const text = Buffer.from(b.buffer, b.byteOffset + PREFIX_BYTES, headerLength).toString('utf8');
      header = JSON.parse(text) as ImageHeader;
    } catch (error) {
      throw new LibraryImageError(
        `has a header that cannot be read (${(error as Error).message})`,
        'other_format',
        this.file,
      );
    }
    if (header.library?.sha256 !== this.expectedSha256) {
      throw new LibraryImageError(
        `is the image of library ${String(header.library?.sha256)}, not of ${this.expectedSha256}`,
        'other_library',
        this.file,
      );
    }
    const arraysStart = aligned(PREFIX_BYTES + headerLength);
    const macStart = this.size - MAC_BYTES;
    const view = <T extends AnyArray>(
      name: ArrayName,
      make: (buffer: ArrayBufferLike, offset: number, length: number) => T,
      unit: number,
    ): T => {
      const place = header.arrays?.[name];
      const offset = arraysStart + (Array.isArray(place) ? Number(place[0]) : Number.NaN);
      const length = Array.isArray(place) ? Number(place[1]) : Number.NaN;
      // A NaN fails every comparison: a missing place is refused with the rest.
      if (!(offset % ALIGN === 0 && length % unit === 0 && length >= 0 && offset + length <= macStart)) {
        throw new LibraryImageError(`places its ${name} outside the file`, 'other_format', this.file);
      }
      return make(b.buffer, b.byteOffset + offset, length / unit);
    };
    const int32 = (name: ArrayName) => view(name, (buf, o, n) => new Int32Array(buf, o, n), 4);
    const table: CodeTable = {
      slots: int32('slots'),
      codeChars: view('codeChars', (buf, o, n) => new Uint16Array(buf, o, n), 2),
      codeStart: int32('codeStart'),
      pointRefs: int32('pointRefs'),
      refStart: int32('refStart'),
    };
    const pointStart = int32('pointStart');
    const pointBytes = view('pointBytes', (buf, o, n) => new Uint8Array(buf, o, n), 1);
    const pointCount = header.pointCount;
    const consistent =
      pointStart.length === pointCount + 1 &&
      pointStart[0] === 0 &&
      pointStart[pointCount] === pointBytes.length &&
      table.codeStart.length === table.refStart.length &&
      table.codeStart[table.codeStart.length - 1] === table.codeChars.length &&
      table.refStart[table.refStart.length - 1] === table.pointRefs.length &&
      pointCount === header.library.knowledgePoints &&
      typeof header.coverage === 'object' &&
      header.coverage !== null;
    if (!consistent) throw new LibraryImageError('holds arrays that do not fit together', 'other_format', this.file);
    const packed: PackedLibrary = {
      meta: header.meta,
      rules: header.rules,
      table,
      pointBytes,
      pointStart,
      pointCount,
      coverage: header.coverage,
    };
    return { ...header.library, packed };
  }
}
