/**
 * JSON Schemas of what a 3101/3102 answer looks like on the wire, for whoever reads one (the sidecar checking an
 * upstream gateway, a client, a test). Tolerant where real servers differ (3101-3103.md §2, §3): `infcode` as number
 * or string, `result` as an array, a single object or null, amounts as numbers or numeric strings.
 */

const str = { type: 'string' } as const;
const amount = { anyOf: [{ type: 'number' }, { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$' }] } as const;
const code = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'integer' }] } as const;

/**
 * An array of `item`, a single `item`, or null. if/then rather than anyOf, so a bad field deep inside is reported at
 * its own path instead of being folded into "matches no branch".
 */
function listOrOne<T extends object>(item: T) {
  return {
    if: { type: 'array' },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword, never awaited
    then: { items: item },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword, never awaited
    else: { if: { type: 'null' }, then: true, else: item },
  } as const;
}

export const judgeResultDetailSchema = {
  type: 'object',
  required: ['jrd_id', 'patn_id', 'vola_item_type', 'vola_amt'],
  properties: {
    jrd_id: { type: 'string', minLength: 1 },
    patn_id: str,
    mdtrt_id: str,
    rx_id: str,
    vola_item_type: {
      anyOf: [
        { type: 'string', enum: ['1', '2'] },
        { type: 'integer', enum: [1, 2] },
      ],
    },
    vola_amt: amount,
  },
} as const;

export const judgeResultSchema = {
  type: 'object',
  required: [
    'jr_id',
    'rule_id',
    'rule_name',
    'vola_cont',
    'patn_id',
    'judge_result_detail_dtos',
    'vola_amt',
    'vola_amt_stas',
    'sev_deg',
  ],
  properties: {
    jr_id: { type: 'string', minLength: 1 },
    rule_id: { type: 'string', minLength: 1 },
    rule_name: str,
    vola_cont: str,
    patn_id: str,
    mdtrt_id: str,
    judge_result_detail_dtos: listOrOne(judgeResultDetailSchema),
    vola_amt: amount,
    vola_amt_stas: code,
    sev_deg: code,
    vola_evid: { type: ['string', 'null'] },
    vola_bhvr_type: { type: ['string', 'integer', 'null'] },
    task_id: { type: ['string', 'null'] },
    wf_impact: { type: 'string', enum: ['notice', 'confirm', 'reason', 'block'] },
    kp_id: str,
  },
} as const;

/** 3101/3102 `output`. */
export const analysisOutputSchema = {
  type: 'object',
  properties: {
    result: listOrOne(judgeResultSchema),
  },
} as const;

/** The common response envelope (§2.2). `output` is checked by the schema of the transaction. */
export const responseEnvelopeSchema = {
  type: 'object',
  required: ['infcode'],
  properties: {
    infcode: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^\\s*-?\\d+\\s*$' }] },
    inf_refmsgid: str,
    refmsg_time: str,
    respond_time: str,
    err_msg: { type: ['string', 'null'] },
  },
} as const;

/** A 3101/3102 answer: the envelope with its analysis output. */
export const analysisResponseSchema = {
  allOf: [responseEnvelopeSchema],
  // An encrypting gateway sends output as SM4 ciphertext (a string); a failure may send null.
  properties: {
    output: {
      if: { type: 'object' },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword, never awaited
      then: analysisOutputSchema,
      else: { type: ['null', 'string'] },
    },
  },
} as const;
