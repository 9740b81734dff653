import type { JudgeResultDto } from './types';

/** Ends and spaces that do not change what an evidence text says. */
const EDGES = /^[\s。．.，,；;：:]+|[\s。．.，,；;：:]+$/g;

/**
 * Whether the national vola_evid tells the doctor more than the card already does. Many rules' evidence is only the
 * rule name (重复开药, 药品种类超标) or a limit the sentence quotes in full (「限2型糖尿病。」 in 「…（限2型糖尿病），本次诊断为…，请确认…」);
 * a 依据 line repeating it is one more line to read for nothing.
 */
export function evidenceAddsText(result: Pick<JudgeResultDto, 'vola_evid' | 'rule_name' | 'vola_cont'>): boolean {
  const evidence = (result.vola_evid ?? '').replace(EDGES, '');
  if (evidence === '') return false;
  if (evidence === (result.rule_name ?? '').replace(EDGES, '')) return false;
  return !(result.vola_cont ?? '').includes(evidence);
}
