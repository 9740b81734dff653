/**
 * An amount of money as a provincial gateway writes it. The contract says a number, but gateways built on text
 * templates send "1,234.50", " 12.30 ", "￥25.00" or full-width "１２．５０"; `Number(x) || 0` turned all of them into
 * 0, and the figures lost the amount without a trace.
 */
export type GatewayAmount =
  | { readable: true; value: number }
  /** Nothing sent (missing, null, blank): the gateway did not compute it. */
  | { readable: false; sent: false }
  /** Something sent that is not an amount this reads. */
  | { readable: false; sent: true };

/** Thousands grouped by commas (exactly three digits per group, so a decimal comma "12,5" is not misread), or none. */
const PLAIN_OR_GROUPED = /^-?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$|^-?\.\d+$/;

export function parseGatewayAmount(value: unknown): GatewayAmount {
  if (value === undefined || value === null) return { readable: false, sent: false };
  if (typeof value === 'number') return Number.isFinite(value) ? { readable: true, value } : unreadable();
  if (typeof value !== 'string') return unreadable();
  // NFKC maps full-width digits, ．，－ and the ideographic space to their ASCII forms, and ￥ to ¥.
  const compact = value.normalize('NFKC').replace(/\s+/g, '');
  if (compact === '') return { readable: false, sent: false };
  const bare = compact.replace(/^(-?)¥/, '$1').replace(/元$/, '');
  if (!PLAIN_OR_GROUPED.test(bare)) return unreadable();
  const number = Number(bare.replaceAll(',', ''));
  return Number.isFinite(number) ? { readable: true, value: number } : unreadable();
}

function unreadable(): GatewayAmount {
  return { readable: false, sent: true };
}
