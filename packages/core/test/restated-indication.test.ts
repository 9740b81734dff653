import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { resultsOf, run } from './support/requests';

/**
 * A text-only 药品限适应症 reminder on a line that another finding of the request already flags with the identical
 * basis text is dropped: the stronger card shows that text. Without such a finding, or with another basis, it stays.
 */
const lib = nationalLibrary();
const INDICATION = 'GZ10000101008000';
const ELDECALCITOL = 'XA11CCA351E002010101121'; // 艾地骨化醇软胶囊, 限绝经后女性骨质疏松症。 (sex limit: 女)
const ILAPRAZOLE = 'XA02BCA084A012010100453'; // 艾普拉唑肠溶片, 限…的二线用药。 (second_line and indication)
const ALLISARTAN = 'XC09CAA284A001010100553'; // 阿利沙坦酯片, 限轻、中度原发性高血压。

function results(gend: string, brdy: string, codes: string[]) {
  return resultsOf(
    run(lib, { gend, brdy, diagnoses: ['J06.900'], lines: codes.map((code, i) => ({ code, rx_id: `R${i + 1}` })) }),
  );
}

describe('a text-only indication reminder that restates another card', () => {
  it('艾地骨化醇软胶囊 for a boy: the sex card only', () => {
    const found = results('1', '2019-05-01', [ELDECALCITOL]);
    expect(found.map((r) => r.rule_name)).toEqual(['药品区分性别使用']);
    expect(found[0]!.vola_evid).toBe('限绝经后女性骨质疏松症。');
  });

  it('艾普拉唑肠溶片 without an earlier drug of its class: the second-line card only', () => {
    const found = results('2', '1990-01-01', [ILAPRAZOLE]);
    expect(found.map((r) => r.rule_name)).toEqual(['药品限二线使用']);
    expect(resultsOf(run(lib, { diagnoses: ['J06.900'], lines: [{ code: ILAPRAZOLE }] }), INDICATION)).toEqual([]);
  });

  it('stays where nothing else shows the text', () => {
    // A woman: no sex card, so the indication reminder is the only one on 艾地骨化醇软胶囊.
    expect(results('2', '1960-01-01', [ELDECALCITOL]).map((r) => r.rule_id)).toEqual([INDICATION]);
    // Another drug's card on another line does not silence 阿利沙坦酯片's reminder.
    const mixed = results('1', '2019-05-01', [ELDECALCITOL, ALLISARTAN]);
    expect(mixed.filter((r) => r.rule_id === INDICATION).map((r) => r.vola_cont)).toEqual([
      expect.stringContaining('【阿利沙坦酯片】'),
    ]);
  });
});
