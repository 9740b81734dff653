import { isAscii, isUtf8, transcode } from 'node:buffer';
import iconv from 'iconv-lite';

/** Charsets a HIS or the native shim labels its bytes with. GBK is read as GB18030, its superset (生僻字). */
const CANONICAL: Record<string, string> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  gbk: 'gbk',
  gb2312: 'gbk',
  cp936: 'gbk',
  gb18030: 'gb18030',
  'utf-16le': 'utf-16le',
  'utf-16': 'utf-16le',
  ucs2: 'utf-16le',
  'ucs-2': 'utf-16le',
};

export class CharsetError extends Error {
  override name = 'CharsetError';
}

/** The request's charset from its Content-Type (UTF-8 when unlabelled). Throws CharsetError for one we cannot decode. */
export function requestCharset(contentType: string | undefined): string {
  if (!contentType) return 'utf-8';
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  if (!match) return 'utf-8';
  const label = match[1]!.toLowerCase();
  const canonical = CANONICAL[label];
  if (!canonical) {
    // Every other envelope error a HIS logs is Chinese; the label is cut so a long header cannot fill err_msg.
    throw new CharsetError(
      `Content-Type 的 charset "${match[1]!.slice(0, 40)}" 不受支持: 应为 utf-8、gbk、gb18030 或 utf-16 (utf-16le)`,
    );
  }
  return canonical;
}

/**
 * The body as text, and the charset it really was in. Many desktop HIS send GBK without saying so (or labelled
 * UTF-8): bytes that are not valid UTF-8 are then read as GB18030 instead of becoming U+FFFD in stored names,
 * and the answer goes back in the same charset.
 */
export function decodeRequestBody(body: Buffer, charset: string): { text: string; charset: string } {
  if (charset === 'utf-8' && !isUtf8(body)) return { text: decodeBody(body, 'gbk'), charset: 'gbk' };
  // The other way round: a HIS that encodes UTF-8 but keeps a GBK label. Chinese GBK text is practically never
  // valid UTF-8 (its lead bytes 0x81-0xFE would need 0x80-0xBF trail bytes in UTF-8's exact patterns, several
  // characters in a row), so bytes with multi-byte sequences that are strictly valid UTF-8 are UTF-8; read as
  // GB18030 they would store mojibake names for good. Pure ASCII reads the same either way and keeps its label.
  if ((charset === 'gbk' || charset === 'gb18030') && !isAscii(body) && isUtf8(body)) {
    return { text: decodeBody(body, 'utf-8'), charset: 'utf-8' };
  }
  // FE FF read as UTF-16LE would be U+FFFE, a noncharacter no text begins with: it is the big-endian BOM that
  // Java's getBytes("UTF-16") writes under a plain UTF-16 label.
  if (charset === 'utf-16le' && body.length >= 2 && body[0] === 0xfe && body[1] === 0xff) {
    return { text: decodeBody(body, 'utf-16be'), charset: 'utf-16be' };
  }
  return { text: decodeBody(body, charset), charset };
}

/** Below this length (bytes to decode, characters to encode) the converter makes no measurable difference. */
const TRANSCODE_FROM_LENGTH = 1024;

/**
 * UTF-8 bytes as text. Buffer#toString decodes UTF-8 that is not pure ASCII one character at a time: 62 µs for
 * a 42 kB 3101 envelope with Chinese names, a quarter of all the analysis thread does per call. ICU's converter to
 * UTF-16 plus a copy gives the same text in 15 µs. Pure ASCII stays with toString, whose ASCII path is faster
 * still; bytes that are not valid UTF-8 (ICU refuses them) too, for its U+FFFD replacement.
 */
function utf8Text(body: Buffer): string {
  if (body.length < TRANSCODE_FROM_LENGTH || typeof transcode !== 'function' || isAscii(body)) {
    return body.toString('utf8');
  }
  try {
    return transcode(body, 'utf8', 'ucs2').toString('ucs2');
  } catch {
    return body.toString('utf8');
  }
}

export function decodeBody(body: Buffer, charset: string): string {
  if (charset === 'utf-8') {
    const text = utf8Text(body);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
  // Encoded with GBK, decoded with GB18030: identical for every GBK byte sequence, and 4-byte 生僻字 survive.
  const decoded = iconv.decode(body, charset === 'gbk' ? 'gb18030' : charset);
  return decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
}

/**
 * A string as UTF-8 bytes. An answer carries Chinese rule names and messages, so it is a two-byte string, which
 * Buffer.from encodes a character at a time (7 µs for a 4.6 k-character answer); copying its UTF-16 out and
 * converting with ICU takes 3 µs. Short text, and text ICU refuses (a lone surrogate, which JSON.stringify never
 * writes), go through Buffer.from.
 */
export function utf8Bytes(text: string): Buffer {
  if (text.length < TRANSCODE_FROM_LENGTH || typeof transcode !== 'function') return Buffer.from(text);
  try {
    return transcode(Buffer.from(text, 'ucs2'), 'ucs2', 'utf8');
  } catch {
    return Buffer.from(text);
  }
}

export function encodeBody(text: string, charset: string): Buffer | string {
  if (charset === 'utf-8') return text;
  if (charset === 'gbk' || charset === 'gb18030') return gbkSafeBytes(text);
  return iconv.encode(text, charset);
}

/** Exact encoded size of a string, without building the buffer where the charset allows. */
export function encodedLength(text: string, charset: string): number {
  if (charset === 'utf-8') return Buffer.byteLength(text, 'utf8');
  if (charset === 'utf-16le' || charset === 'utf-16be') return text.length * 2;
  if (charset === 'gbk' || charset === 'gb18030') return gbkSafeBytes(text).length;
  return iconv.encode(text, charset).length;
}

/**
 * JSON text as GB18030 bytes that a CP936 (GBK) caller reads right. Both 8-bit entries reach mostly CP936 code:
 * prealert_call_gbk is labelled gb18030 but VB6, PowerBuilder `;ansi` and Delphi 7 convert its answer through the
 * ANSI code page, and an unlabelled GBK body is answered in GBK. GB18030 writes a character GBK lacks in four bytes,
 * which CP936 turns into `?` or garbage: the national library itself has two (䓬 U+44EC in 氮䓬斯汀, the Kangxi
 * radical ⼉ U+2F09 in 预防⼉童). Such a character is folded to its NFKC form when that one is in GBK (⼉ → 儿; only
 * these characters: NFKC would also turn the full-width ，：（） of every Chinese text into ASCII), else written as a
 * JSON `\uXXXX` escape, pure ASCII, which any JSON parser restores. Every non-ASCII character of JSON text sits inside
 * a string, where an escape is valid.
 */
export function gbkSafeBytes(text: string): Buffer {
  const bytes = iconv.encode(text, 'gb18030');
  if (!hasFourByteSequence(bytes)) return bytes;
  return iconv.encode(text.replace(NON_ASCII, gbkSafeCharacter), 'gb18030');
}

const NON_ASCII = /[\u0080-\u{10ffff}]/gu;

/** A GB18030 four-byte sequence: a lead byte (0x81-0xFE) followed by a digit (0x30-0x39); GBK's trail bytes never are. */
function hasFourByteSequence(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! < 0x80) continue;
    if (i + 1 < bytes.length && bytes[i + 1]! >= 0x30 && bytes[i + 1]! <= 0x39) return true;
    i++;
  }
  return false;
}

function inGbk(character: string): boolean {
  return iconv.encode(character, 'gb18030').length <= 2;
}

function gbkSafeCharacter(character: string): string {
  if (inGbk(character)) return character;
  const folded = character.normalize('NFKC');
  // A fold to ASCII could be a quote or backslash, which would end the JSON string: escaped instead.
  if (folded !== character && [...folded].every((c) => c.charCodeAt(0) >= 0x80 && inGbk(c))) return folded;
  let escaped = '';
  for (let i = 0; i < character.length; i++) escaped += `\\u${character.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return escaped;
}
