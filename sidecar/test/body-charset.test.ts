/**
 * Request body decoding. Large UTF-8 bodies go through ICU's converter instead of Buffer#toString (faster for
 * Chinese text); the text must be exactly what toString gives, for every kind of input.
 */

import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBody, decodeRequestBody, encodeBody, encodedLength, utf8Bytes } from '../src/national/body-charset';
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

describe('decodeRequestBody: labels that do not match the bytes', () => {
  it('reads strictly valid multi-byte UTF-8 labelled GBK or GB18030 as UTF-8', () => {
    const bytes = Buffer.from('{"dept":"外科门诊"}', 'utf8');
    for (const label of ['gbk', 'gb18030']) {
      expect(decodeRequestBody(bytes, label)).toEqual({ text: '{"dept":"外科门诊"}', charset: 'utf-8' });
    }
  });

  it('keeps GBK bytes and pure ASCII labelled GBK as GBK', () => {
    expect(decodeRequestBody(iconv.encode('{"dept":"外科门诊"}', 'gbk'), 'gbk')).toEqual({
      text: '{"dept":"外科门诊"}',
      charset: 'gbk',
    });
    expect(decodeRequestBody(Buffer.from('{"a":1}'), 'gbk').charset).toBe('gbk');
  });

  it('reads UTF-16 with a big-endian BOM as UTF-16BE, without the BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode('{"a":"王"}', 'utf-16be')]);
    expect(decodeRequestBody(bytes, 'utf-16le')).toEqual({ text: '{"a":"王"}', charset: 'utf-16be' });
    expect(decodeRequestBody(Buffer.from('\ufeff{"a":"王"}', 'utf16le'), 'utf-16le')).toEqual({
      text: '{"a":"王"}',
      charset: 'utf-16le',
    });
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

describe('encodeBody (gbk, gb18030): answers a CP936 caller can read', () => {
  // The national library's own texts: 䓬 (U+44EC, CJK Ext. A) and ⼉ (U+2F09, a Kangxi radical) are not in GBK.
  const text = JSON.stringify({
    vola_cont: '【氮䓬斯汀氟替卡松鼻喷雾剂】限二线使用。',
    vola_evid: '预防⼉童肝脏（移植）：术后，𠀀',
  });

  for (const charset of ['gbk', 'gb18030']) {
    it(`${charset}: folds ⼉ to 儿, escapes 䓬 and 𠀀, leaves full-width punctuation, stays the same JSON`, () => {
      const bytes = encodeBody(text, charset) as Buffer;
      expect(bytes.length).toBe(encodedLength(text, charset));
      // Every character decodes through CP936 (iconv's gbk): nothing becomes ? or garbage.
      const cp936 = iconv.decode(bytes, 'gbk');
      expect(iconv.encode(cp936, 'gbk').equals(bytes)).toBe(true);
      expect(cp936).toContain('【氮\\u44ec斯汀');
      expect(cp936).toContain('预防儿童肝脏（移植）：术后，\\ud840\\udc00');
      expect(JSON.parse(cp936)).toEqual({ ...JSON.parse(text), vola_evid: '预防儿童肝脏（移植）：术后，𠀀' });
    });
  }

  it('leaves text that is all GBK byte for byte as GB18030 writes it', () => {
    expect((encodeBody(envelope, 'gbk') as Buffer).equals(iconv.encode(envelope, 'gb18030'))).toBe(true);
  });
});
