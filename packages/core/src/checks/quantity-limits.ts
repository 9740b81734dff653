import { formatDay } from '../normalize/dates';
import type { Line } from '../normalize/request';
import type { FlaggedLine, Hit, PointCheck } from './hit';
import { itemLabel } from './hit';

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function byTime(a: Line, b: Line): number {
  return a.beginMinutes - b.beginMinutes || a.index - b.index;
}

/** `byPrice`: the amount is an excess quantity × pric, so it is known only where pric was sent. */
function addFlag(hits: Hit[], line: Line, amount: number, message: string, fact: string, byPrice: boolean): void {
  let hit = hits.find((h) => h.encounter === line.encounter);
  if (!hit) {
    hit = { encounter: line.encounter, flagged: [], involved: [], message, fact, amountComputed: true };
    hits.push(hit);
  }
  if (!(byPrice ? line.priceKnown : line.amountKnown)) hit.amountComputed = false;
  const existing = hit.flagged.find((f: FlaggedLine) => f.line === line);
  if (existing) existing.amount = round2(existing.amount + amount);
  else hit.flagged.push({ line, amount: round2(amount) });
}

function involveRest(hits: Hit[], lines: readonly Line[]): void {
  for (const hit of hits) {
    for (const line of lines) {
      if (!hit.flagged.some((f) => f.line === line) && line.encounter.patient === hit.encounter.patient)
        hit.involved.push(line);
    }
  }
}

/**
 * 药品限支付疗程: distinct calendar days of use of the point's codes (current and context lines, begin..stop of
 * long-term orders) beyond the N-th day. Current lines that fall on a later day are flagged with their amount.
 */
export const checkMaxPayDays: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'max_pay_days') return undefined;
  const days = new Set<number>();
  for (const line of lines) for (let d = line.beginDay; d <= line.lastDay && days.size <= 4000; d++) days.add(d);
  if (days.size <= limit.days) return undefined;
  const sorted = [...days].sort((a, b) => a - b);
  const lastAllowed = sorted[limit.days - 1]!;
  const fact = `已用药 ${days.size} 天（${formatDay(sorted[0]!)} 起）`;
  const message = `${itemLabel(entry)}支付不超过 ${limit.days} 天，${fact}，${formatDay(sorted[limit.days]!)} 起超出。`;
  const hits: Hit[] = [];
  for (const line of lines)
    if (line.current && line.lastDay > lastAllowed) addFlag(hits, line, line.amount, message, fact, false);
  if (hits.length === 0) return undefined;
  involveRest(hits, lines);
  return hits;
};

/**
 * 医疗服务项目限定频次 (1/日, 24/小时): the summed quantity of the point's codes on one calendar day exceeds the
 * limit. Context lines are already charged, so they use up the allowance first; the excess falls on the current
 * lines of the day, latest first (amount = excess quantity × price). Context lines are never flagged.
 */
export const checkMaxQtyPerPeriod: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'max_qty_per_period') return undefined;
  const perDay = new Map<number, Line[]>();
  for (const line of lines) {
    const list = perDay.get(line.beginDay);
    if (list) list.push(line);
    else perDay.set(line.beginDay, [line]);
  }
  const hits: Hit[] = [];
  const unit = limit.per === 'hour' ? '小时' : '次';
  for (const [day, dayLines] of perDay) {
    let total = 0;
    let currentQty = 0;
    for (const l of dayLines) {
      total += l.qty;
      if (l.current) currentQty += l.qty;
    }
    if (currentQty === 0 || total <= limit.qty) continue;
    const fact = `${formatDay(day)} 累计 ${round2(total)}${unit}`;
    const message = `${itemLabel(entry)}限定频次 ${entry.kp.limitText || `${limit.qty}/日`}，${fact}，超出 ${round2(total - limit.qty)}${unit}。`;
    // What the current lines add beyond what is left after the context lines.
    let excess = Math.min(total - limit.qty, currentQty);
    const current = dayLines.filter((l) => l.current).sort(byTime);
    for (let i = current.length - 1; i >= 0 && excess > 0; i--) {
      const l = current[i]!;
      const part = Math.min(l.qty, excess);
      excess -= part;
      if (part > 0) addFlag(hits, l, part * l.price, message, fact, true);
    }
  }
  if (hits.length === 0) return undefined;
  involveRest(hits, lines);
  return hits;
};

/**
 * 医疗服务项目周期超频次 (1/7天): in the N-day window ending on a current line's day, the summed quantity exceeds
 * the limit. Every context line in the window counts (whatever its time of day: it is already charged), and so do
 * the current lines before this one; the part of a current line beyond the limit is its excess.
 */
export const checkMaxQtyPerNDays: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'max_qty_per_n_days') return undefined;
  const current = lines.filter((l) => l.current).sort(byTime);
  const hits: Hit[] = [];
  for (let i = 0; i < current.length; i++) {
    const line = current[i]!;
    const windowStart = line.beginDay - limit.days + 1;
    let before = 0;
    for (const other of lines) {
      if (!other.current && other.beginDay >= windowStart && other.beginDay <= line.beginDay) before += other.qty;
    }
    for (let j = 0; j < i; j++) {
      const other = current[j]!;
      if (other.beginDay >= windowStart) before += other.qty;
    }
    const total = before + line.qty;
    if (total <= limit.qty) continue;
    const excess = Math.min(line.qty, total - limit.qty);
    const fact = `${formatDay(windowStart)} 至 ${formatDay(line.beginDay)} 累计 ${round2(total)} 次`;
    addFlag(
      hits,
      line,
      excess * line.price,
      `${itemLabel(entry, line)}限 ${limit.days} 天内 ${limit.qty} 次，${fact}。`,
      fact,
      true,
    );
  }
  if (hits.length === 0) return undefined;
  involveRest(hits, lines);
  return hits;
};
