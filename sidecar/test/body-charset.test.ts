/**
 * Request body decoding. Large UTF-8 bodies go through ICU's converter instead of Buffer#toString (faster for
 * Chinese text); the text must be exactly what toString gives, for every kind of input.
 */
import { describe, expect, it } from 'vitest';
import { decodeBody, decodeRequestBody, utf8Bytes } from '../src/national/body-charset';
import { analysisEnvelope } from './fixtures/his-requests';

const envelope = JSON.stringify(analysisEnvelope({ encounterId: 'MZ-CHARSET-0001', lines: 20, firing: 3 }));

describe('decodeBody (utf-8)', () => {
  it('gives the text Buffer#toString gives for a large body with Chinese names, 生僻字 and emoji', () => {
    const text = `${envelope.slice(0, -1)},"note":"𠀀𪚥😀 生僻字"}`;
    const bytes = Buffer.from(text);
    expect(bytes.length).toBeGreaterThan(4096);
    expect(decodeBody(bytes, 'utf-8')).toBe(text);
    expect(decodeBody(bytes, 'utf-8')).toBe(bytes.toString('utf8'));
  });

  it('drops a byte-order mark, large body or small', () => {
    const text = `\ufeff${envelope}`;
    expect(decodeBody(Buffer.from(text), 'utf-8')).toBe(envelope);
    expect(decodeBody(Buffer.from('\ufeff{"a":"王"}'), 'utf-8')).toBe('{"a":"王"}');
  });

  it('reads pure ASCII and small bodies as before', () => {
    const ascii = envelope.replace(/[^ -~]/g, 'x');
    expect(decodeBody(Buffer.from(ascii), 'utf-8')).toBe(ascii);
    expect(decodeBody(Buffer.from('{"a":"王"}'), 'utf-8')).toBe('{"a":"王"}');
  });

  it('replaces bytes that are not UTF-8 with U+FFFD, as toString does, when asked to read them as UTF-8', () => {
    const bytes = Buffer.concat([
      Buffer.from(envelope.slice(0, 2000)),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('尾'),
    ]);
    const text = decodeBody(bytes, 'utf-8');
    expect(text).toBe(bytes.toString('utf8'));
    expect(text).toContain('\ufffd');
  });
});

describe('decodeRequestBody', () => {
  it('keeps reading bytes labelled UTF-8 that are not UTF-8 as GBK', () => {
    const utf8 = Buffer.from(envelope, 'utf8');
    const asGbk = Buffer.concat([utf8.subarray(0, 1500), Buffer.from([0xcd, 0xf5])]); // 王 in GBK
    const decoded = decodeRequestBody(asGbk, 'utf-8');
    expect(decoded.charset).toBe('gbk');
    expect(decoded.text.endsWith('王')).toBe(true);
  });
});

describe('utf8Bytes', () => {
  it('gives the bytes Buffer.from gives, for answers long and short, Chinese, astral and ASCII', () => {
    const long = `${envelope}𠀀😀`;
    for (const text of [long, envelope.replace(/[^ -~]/g, 'x'), '{"err_msg":"王"}', '']) {
      expect(utf8Bytes(text).equals(Buffer.from(text))).toBe(true);
    }
  });

  it('writes a lone surrogate as U+FFFD, as Buffer.from does', () => {
    const text = `${envelope}\ud800`;
    expect(utf8Bytes(text).equals(Buffer.from(text))).toBe(true);
  });
});
