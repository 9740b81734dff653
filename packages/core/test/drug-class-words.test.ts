import { loadNationalLibrary } from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { resultsOf, run } from './support/requests';

/**
 * Drug-class messages say what the code is (一个药理分类, ATC …) instead of a bare ATC code, and the second-line
 * fallback gives up to two other drugs of the class that the loaded library's own points name: the national data has
 * no ATC name table, so no class name is made up.
 */
const lib = nationalLibrary();
const ILAPRAZOLE = 'XA02BCA084A012010100453'; // 艾普拉唑肠溶片, 限…的二线用药 (no first-line therapy read: class fallback)
const PARACETAMOL_PAMABROM = 'XN02BEA139A001010103094'; // 氨酚帕马溴片
const CHILD_PARACETAMOL = 'XN02BEX097A001010105889'; // 小儿对乙酰氨基酚片

describe('drug classes in words', () => {
  it('重复开药 names the class as a pharmacological class with its ATC code', () => {
    const found = resultsOf(
      run(lib, {
        lines: [
          { code: PARACETAMOL_PAMABROM, name: '氨酚帕马溴片', rx_id: 'R1' },
          { code: CHILD_PARACETAMOL, name: '小儿对乙酰氨基酚片', rx_id: 'R2' },
        ],
      }),
    ).filter((r) => r.rule_name === '重复开药');
    expect(found.map((r) => r.vola_cont)).toEqual([
      '同类药品重复使用：【氨酚帕马溴片】【小儿对乙酰氨基酚片】同属一个药理分类（ATC N02BE），请确认是否需要联用。',
    ]);
  });

  it('the second-line fallback gives two other drugs of the class named by the library itself', () => {
    const [r, ...more] = resultsOf(
      run(lib, { gend: '2', lines: [{ code: ILAPRAZOLE, name: '艾普拉唑肠溶片', rx_id: 'R1' }] }),
    ).filter((x) => x.rule_name === '药品限二线使用');
    expect(more).toEqual([]);
    const match = /未见同一药理分类（ATC A02BC，如【([^】]+)】【([^】]+)】）其他药品的既往使用记录。$/.exec(
      r!.vola_cont,
    );
    expect(match, r!.vola_cont).not.toBeNull();
    // Both are item names of national points on other A02BC drugs (not 艾普拉唑 itself).
    const names = new Set(
      loadNationalLibrary()
        .knowledgePoints.filter((kp) => kp.codes.some((c) => c.startsWith('XA02BC') && !c.startsWith('XA02BCA084')))
        .map((kp) => kp.itemName),
    );
    for (const name of [match![1]!, match![2]!]) {
      expect(names.has(name), name).toBe(true);
      expect(name).not.toContain('艾普拉唑');
    }
    // Read once per library: the same list object answers every request.
    expect(lib.drugsOfClass('A02BC')).toBe(lib.drugsOfClass('A02BC'));
  });
});
