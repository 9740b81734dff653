import iconv from 'iconv-lite';
import type { Flavour } from './shim-addon';

/** A string as the bytes a caller of the given flavour passes (no terminator). */
export function encodeFor(flavour: Flavour, text: string): Buffer {
  if (flavour === 'utf8') return Buffer.from(text, 'utf8');
  if (flavour === 'w') return Buffer.from(text, 'utf16le');
  return iconv.encode(text, 'gb18030');
}

/** Decodes with ICU's decoders (fatal: a byte the shim mangled fails loudly), not with iconv-lite,
    so the check does not share a library with the sidecar's encoder. */
export function decodeFrom(flavour: Flavour, bytes: Buffer): string {
  const label = flavour === 'utf8' ? 'utf-8' : flavour === 'w' ? 'utf-16le' : 'gb18030';
  return new TextDecoder(label, { fatal: true }).decode(bytes);
}

/** Units of the flavour: bytes, or UTF-16 code units. */
export function unitsOf(flavour: Flavour, bytes: Buffer): number {
  return flavour === 'w' ? bytes.length / 2 : bytes.length;
}

/** The call's output decoded for its flavour and parsed: throws if the shim left invalid text or JSON. */
export function parseAnswer<T>(flavour: Flavour, outcome: { output: Buffer }): T {
  return JSON.parse(decodeFrom(flavour, outcome.output)) as T;
}
