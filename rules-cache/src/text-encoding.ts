/** Encodings a local CSV is read in: what Excel writes for 「CSV UTF-8」, 「CSV (逗号分隔)」 on Chinese Windows, or Unicode. */
export type TextEncodingName = 'utf-8' | 'gb18030' | 'utf-16le' | 'utf-16be';

export type DecodedText = { ok: true; text: string; encoding: TextEncodingName } | { ok: false; message: string };

function decode(bytes: Uint8Array, encoding: TextEncodingName): string | undefined {
  try {
    // fatal: a byte sequence that is not valid in this encoding throws instead of becoming U+FFFD.
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The text of a file written on a hospital's Windows PC. A UTF-8 or UTF-16 BOM names the encoding; otherwise bytes
 * that are valid UTF-8 are UTF-8 (ASCII included), and anything else is read as GB18030, the superset of GBK that
 * Excel's 「CSV (逗号分隔)」 writes on Chinese Windows. Bytes valid in neither are refused rather than shown garbled.
 */
export function decodeText(bytes: Uint8Array): DecodedText {
  const bom: [TextEncodingName, number[]][] = [
    ['utf-8', [0xef, 0xbb, 0xbf]],
    ['utf-16le', [0xff, 0xfe]],
    ['utf-16be', [0xfe, 0xff]],
  ];
  for (const [encoding, mark] of bom) {
    if (mark.every((b, i) => bytes[i] === b)) {
      // TextDecoder drops the BOM itself.
      const text = decode(bytes, encoding);
      return text === undefined
        ? {
            ok: false,
            message: `文件以 ${encoding.toUpperCase()} BOM 开头，但内容不是有效的 ${encoding.toUpperCase()} 编码`,
          }
        : { ok: true, text, encoding };
    }
  }
  const utf8 = decode(bytes, 'utf-8');
  if (utf8 !== undefined) return { ok: true, text: utf8, encoding: 'utf-8' };
  const gb = decode(bytes, 'gb18030');
  if (gb !== undefined) return { ok: true, text: gb, encoding: 'gb18030' };
  return {
    ok: false,
    message: '文件编码无法识别：既不是 UTF-8 也不是 GBK/GB18030。请在 Excel 中另存为「CSV UTF-8（逗号分隔）」',
  };
}
