/**
 * A 继续执行 reason must say something (spec 3101-3103.md §4.1): review-fuzz F6 found a zero-width space and a NUL
 * accepted as one, since String#trim leaves both.
 */
import { describe, expect, it } from 'vitest';
import { hasVisibleCharacter } from '../src/index';

describe('hasVisibleCharacter', () => {
  it('is false for whitespace, controls and zero-width or format characters only', () => {
    for (const text of [
      '',
      ' ',
      '\t\n\r',
      '\u00a0\u3000\ufeff',
      '\u200b',
      '\u200c\u200d',
      '\u2060',
      '\u0000',
      '\u0007\u001f\u007f\u0085',
      '\u200e\u200f\u202e',
      ' \u200b\u0000\u3000 ',
    ]) {
      expect(hasVisibleCharacter(text), JSON.stringify(text)).toBe(false);
    }
  });

  it('is true once one character shows, whatever invisible ones surround it', () => {
    for (const text of ['病情需要', '\u200b已核实', 'a\u0000b', '1', '。', '𠀀', ' x ']) {
      expect(hasVisibleCharacter(text), JSON.stringify(text)).toBe(true);
    }
  });
});
