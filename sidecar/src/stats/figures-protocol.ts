/** Messages between the request thread and the figures thread (figures-worker.ts, figures-reader.ts). */
import type { DayFigures } from '../outbox/daily-figures';
import type { StatsDimension, StatsFilter, StatsReport } from './compliance-figures';

/** Bumped whenever a message changes shape: a worker file from another build is then refused. */
export const FIGURES_PROTOCOL = 2;

export interface FiguresWorkerOptions {
  /** The records database; the thread opens it read-only. */
  file: string;
}

/** What the figures thread computes: what /v1/stats reports, and what the platform's daily figures carry. */
export type FiguresQuery =
  | { kind: 'report'; from: string; to: string; by: StatsDimension; filter: StatsFilter }
  | { kind: 'finished-days'; now: number }
  | { kind: 'day-figures'; day: string };

/** Each query's answer. */
export interface FiguresAnswers {
  report: StatsReport;
  'finished-days': string[];
  'day-figures': DayFigures;
}

export type ToFigures = { type: 'query'; seq: number; query: FiguresQuery } | { type: 'close' };

export type FromFigures =
  | { type: 'ready'; protocol: number }
  | { type: 'failed'; message: string }
  | { type: 'answer'; seq: number; value: FiguresAnswers[FiguresQuery['kind']] }
  | { type: 'error'; seq: number; message: string }
  | { type: 'closed' };
