import type { EnvelopeDefaults, RequestEnvelope } from './types';

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** `yyyy-MM-dd HH:mm:ss` in the workstation's local time, as `inf_time` expects. */
export function formatInfTime(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(
    date.getMinutes(),
  )}:${pad(date.getSeconds())}`;
}

function compactTime(date: Date): string {
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}${pad(date.getHours())}${pad(
    date.getMinutes(),
  )}${pad(date.getSeconds())}`;
}

/**
 * Builds national envelopes. msgid follows the spec's layout: institution code (12) + yyyyMMddHHmmss (14)
 * + sequence (4); the sequence is per builder, which is per client, which is per workstation process.
 */
export class EnvelopeBuilder {
  private sequence = 0;

  constructor(private readonly defaults: EnvelopeDefaults = {}) {}

  build<TInput>(
    infno: string,
    input: TInput,
    overrides: EnvelopeDefaults = {},
    now = new Date(),
  ): RequestEnvelope<TInput> {
    const fields = { ...this.defaults, ...overrides };
    this.sequence = (this.sequence + 1) % 10_000;
    const institution = (fields.fixmedins_code ?? '').slice(0, 12).padEnd(12, '0');
    return {
      infno,
      msgid: `${institution}${compactTime(now)}${pad(this.sequence, 4)}`,
      mdtrtarea_admvs: fields.mdtrtarea_admvs ?? '',
      insuplc_admdvs: fields.insuplc_admdvs ?? '',
      recer_sys_code: fields.recer_sys_code ?? 'PREALERT',
      dev_no: '',
      dev_safe_info: '',
      cainfo: '',
      signtype: '',
      infver: fields.infver ?? 'V1.0',
      opter_type: fields.opter_type ?? '1',
      opter: fields.opter ?? '',
      opter_name: fields.opter_name ?? '',
      inf_time: formatInfTime(now),
      fixmedins_code: fields.fixmedins_code ?? '',
      fixmedins_name: fields.fixmedins_name ?? '',
      sign_no: fields.sign_no ?? '',
      input,
    };
  }
}
