import { dayFigures, finishedDaysWithReminders } from '../outbox/daily-figures';
import type { Db } from '../store/database';
import { FiguresWithPrunedDays } from '../store/pruned-figures';
import type { FiguresAnswers, FiguresQuery } from './figures-protocol';

/**
 * Answers figures queries with the sidecar's own figures code (pruned days included) on one connection: the figures
 * thread's read-only one, or the request thread's where that thread cannot run. Each query reads one snapshot (a
 * read transaction), so a report's totals and rows, and a day's three groupings, agree even while the record
 * writer commits beside it.
 */
export class FiguresQueries {
  private readonly figures: FiguresWithPrunedDays;
  private readonly run: (query: FiguresQuery) => FiguresAnswers[FiguresQuery['kind']];

  constructor(private readonly db: Db) {
    this.figures = new FiguresWithPrunedDays(db);
    this.run = db.transaction((query: FiguresQuery) => this.answer(query));
  }

  query<Q extends FiguresQuery>(query: Q): FiguresAnswers[Q['kind']] {
    return this.run(query) as FiguresAnswers[Q['kind']];
  }

  private answer(query: FiguresQuery): FiguresAnswers[FiguresQuery['kind']] {
    switch (query.kind) {
      case 'report':
        return this.figures.report(query.from, query.to, query.by, query.filter);
      case 'finished-days':
        return finishedDaysWithReminders(this.db, query.now);
      case 'day-figures':
        return dayFigures(this.figures, query.day);
    }
  }
}
