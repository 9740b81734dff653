import { loadNationalLibrary } from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';
import { KeyGroups } from '../src/checks/key-groups';
import { CodeIndex } from '../src/library/code-index';
import { nationalLibrary } from './support/national';

describe('CodeIndex', () => {
  it('answers like a Map for every national code, through growth, replacement and absent codes', () => {
    const codes = [...new Set(loadNationalLibrary().knowledgePoints.flatMap((kp) => kp.codes))];
    expect(codes.length).toBeGreaterThan(19_000);
    const index = new CodeIndex(4); // starts small, so it grows many times
    const map = new Map<string, number>();
    codes.forEach((code, i) => {
      index.set(code, i as never);
      map.set(code, i);
    });
    // Replacing a value keeps the size.
    index.set(codes[0]!, -1 as never);
    map.set(codes[0]!, -1);
    expect(index.size).toBe(map.size);
    for (const code of codes) expect(index.get(code)).toBe(map.get(code));
    // Near misses: one character changed, a prefix, a longer code.
    for (const code of codes.slice(0, 2000)) {
      expect(index.get(`${code.slice(0, -1)}#`)).toBeUndefined();
      expect(index.get(code.slice(0, -1))).toBeUndefined();
      expect(index.get(`${code}0`)).toBeUndefined();
    }
    expect(index.get('')).toBeUndefined();
  });

  it('is what the compiled national library looks codes up in', () => {
    const lib = nationalLibrary();
    const points = lib.lookup('XL02BBA326A001010102180');
    const list = Array.isArray(points) ? points : points ? [points] : [];
    expect(list.map((e) => e.rule.id)).toContain('GZ10000301004000');
    expect(lib.lookup('XL02BBA326A00101010218')).toBeUndefined();
  });
});

describe('KeyGroups', () => {
  it('chains items by key, newest first, and forgets them on the next begin', () => {
    const groups = new KeyGroups();
    groups.begin(6);
    expect(groups.add(7, 0)).toBe(-1);
    expect(groups.add(-7, 1)).toBe(-1);
    expect(groups.add(7, 2)).toBe(0);
    expect(groups.add(7, 3)).toBe(2);
    expect(groups.latest(7)).toBe(3);
    expect(groups.before(3)).toBe(2);
    expect(groups.before(2)).toBe(0);
    expect(groups.before(0)).toBe(-1);
    expect(groups.latest(-7)).toBe(1);
    expect(groups.latest(8)).toBe(-1);
    groups.begin(500); // grows
    expect(groups.latest(7)).toBe(-1);
    for (let i = 0; i < 500; i++) expect(groups.add(i % 50, i)).toBe(i < 50 ? -1 : i - 50);
  });
});
