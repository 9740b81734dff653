import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { maskDigestedNames, nameDigestsOf, parseNameDigests } from '../src/patient-name-digests';
import { PatientPseudonymizer } from '../src/patient-pseudonym';
import { maskPatientNames } from '../src/upstream/patient-names';

const pseudonyms = new PatientPseudonymizer(randomBytes(32));
const key = (name: string) => pseudonyms.nameKey(name);
const masked = (text: string, names: string[]) => maskDigestedNames(text, nameDigestsOf(names, key), key);

describe('a reason searched for recorded name digests', () => {
  it('masks every occurrence as maskPatientNames does, with the same mask', () => {
    const text = '张三丰家属要求继续，张三丰本人同意';
    expect(masked(text, ['张三丰'])).toBe(maskPatientNames(text, ['张三丰']));
    expect(masked(text, ['张三丰'])).toBe('[redacted]家属要求继续，[redacted]本人同意');
  });

  it('masks the longer of two overlapping names whole, whichever was recorded first', () => {
    expect(masked('张三丰与张三同意', ['张三', '张三丰'])).toBe('[redacted]与[redacted]同意');
  });

  it('keeps a text with none of the names, and a name of other characters (pinyin, a nickname)', () => {
    expect(masked('家属要求继续', ['张三丰'])).toBe('家属要求继续');
    expect(masked('Zhang Sanfeng 老张 要求', ['张三丰'])).toBe('Zhang Sanfeng 老张 要求');
  });

  it('finds a name with a character beyond the BMP, as JavaScript strings index it', () => {
    expect(masked('𠀀明家属要求', ['𠀀明'])).toBe('[redacted]家属要求');
  });

  it('reads back only well-formed digests from the column', () => {
    const digests = nameDigestsOf(['张三丰'], key);
    expect(parseNameDigests(JSON.stringify(digests))).toEqual(digests);
    expect(parseNameDigests(null)).toEqual([]);
    expect(parseNameDigests('not json')).toEqual([]);
    expect(parseNameDigests('[[1,"x"],["3","y"],[3]]')).toEqual([]);
  });
});
