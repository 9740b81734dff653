import { BundleError } from './bundle-error';

const NEWLINE = 0x0a;

/**
 * Cuts a byte stream into newline-terminated lines as chunks arrive. A line is handed over as bytes, so hashing
 * sees exactly what was received; a multi-byte UTF-8 character never contains 0x0A, so cutting at it is safe.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private lineNo = 0;

  constructor(
    private readonly file: string,
    private readonly onLine: (bytes: Buffer, lineNo: number) => void,
  ) {}

  write(chunk: Uint8Array): void {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (;;) {
      const end = buffer.indexOf(NEWLINE, start);
      if (end < 0) break;
      let line = buffer.subarray(start, end);
      if (this.pending.length > 0) {
        this.pending.push(line);
        line = Buffer.concat(this.pending);
        this.pending = [];
      }
      this.onLine(line, ++this.lineNo);
      start = end + 1;
    }
    if (start < buffer.length) this.pending.push(buffer.subarray(start));
  }

  /** Lines seen so far. */
  get lines(): number {
    return this.lineNo;
  }

  /** Every line must have ended: bytes after the last newline mean the file was cut off. */
  end(): void {
    if (this.pending.length > 0) {
      throw new BundleError(
        `ends in the middle of line ${this.lineNo + 1} (the file was cut off)`,
        'truncated',
        this.file,
      );
    }
  }
}
