import type { FeedbackEnvelopeFields } from './types';

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

let sequence = 0;

/** The national request envelope around a 3103 `input`, with msgid laid out as the spec says (12 + 14 + 4). */
export function buildEnvelope(
  infno: string,
  input: unknown,
  fields: FeedbackEnvelopeFields = {},
  now = new Date(),
): NationalRequest {
  sequence = (sequence + 1) % 10_000;
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  const institution = (fields.fixmedins_code ?? '').slice(0, 12).padEnd(12, '0');
  return {
    infno,
    msgid: `${institution}${date.replace(/-/g, '')}${time.replace(/:/g, '')}${pad(sequence, 4)}`,
    mdtrtarea_admvs: fields.mdtrtarea_admvs ?? '',
    insuplc_admdvs: '',
    recer_sys_code: 'PREALERT',
    dev_no: '',
    dev_safe_info: '',
    cainfo: '',
    signtype: '',
    infver: 'V1.0',
    opter_type: '1',
    opter: fields.opter ?? '',
    opter_name: fields.opter_name ?? '',
    inf_time: `${date} ${time}`,
    fixmedins_code: fields.fixmedins_code ?? '',
    fixmedins_name: fields.fixmedins_name ?? '',
    sign_no: '',
    input,
  };
}

/** A national request as buildEnvelope makes it: what a queued 3103 keeps, so it goes out as it was decided. */
export interface NationalRequest {
  infno: string;
  msgid: string;
  mdtrtarea_admvs: string;
  insuplc_admdvs: string;
  recer_sys_code: string;
  dev_no: string;
  dev_safe_info: string;
  cainfo: string;
  signtype: string;
  infver: string;
  opter_type: string;
  opter: string;
  opter_name: string;
  inf_time: string;
  fixmedins_code: string;
  fixmedins_name: string;
  sign_no: string;
  input: unknown;
}
