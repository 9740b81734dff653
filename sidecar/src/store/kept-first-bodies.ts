import type { Statement } from 'better-sqlite3';

/** The parameters of KeptFirstBodies' page statement. */
export interface KeptPage {
  day: string;
  after: number;
  limit: number;
}

/**
 * The result bodies the kept first answers from before the window name (retention.ts), for one pass. Walking every
 * kept answer's results on every batch held the write lock for most of a second a batch on a database with 20,000
 * kept reminders; here they are walked once a pass, and then only the answers that joined the kept set since the
 * last batch are read.
 *
 * The kept set does not only shrink during a pass, so the set is not simply read once: a reminder recorded with a
 * clock behind the cutoff joins it (its first answer's bodies are read then), and the first delivered answer of a
 * reminder known only from undelivered ones becomes its first answer (record-rows.ts), the old one leaving it. One
 * leaving has the set walked again: the bodies only it named would be kept by this pass, and then never pruned, as
 * the answer naming them is gone. A task's results are never rewritten, so the set is the one a walk would give.
 *
 * The first walk is done a page of answers at a time before the pass's first transaction (walk), requests going on
 * between pages: done whole inside that transaction it held the request thread about 140 ms with 20,000 kept
 * reminders of five results each, a page of 500 about 12 ms. What changed between pages is then caught up by
 * update, as during the pass.
 */
export class KeptFirstBodies {
  private tasks: ReadonlySet<number> | undefined;
  private bodies = new Set<number>();

  /**
   * `all`: the bodies of the first answers of the reminders dated before a day; `of`: the bodies the tasks of a JSON
   * array of ids name. Both as storedBodyIdSql reads them, NULLs left out. `page`: the first answers of the reminders
   * dated before `day`, distinct, in id order, after `after`, at most `limit` of them.
   */
  constructor(
    private readonly all: Statement<[string], number>,
    private readonly of: Statement<[string], number>,
    private readonly page: Statement<[KeptPage], number>,
  ) {}

  /**
   * Reads the set a page of `pageSize` answers at a time, `between` awaited after each page (false stops the walk,
   * and this returns false).
   */
  async walk(day: string, pageSize: number, between: () => Promise<boolean>): Promise<boolean> {
    const tasks = new Set<number>();
    const bodies = new Set<number>();
    let after = 0;
    for (;;) {
      const ids = this.page.all({ day, after, limit: pageSize });
      if (ids.length === 0) break;
      for (const id of ids) tasks.add(id);
      for (const body of this.of.all(JSON.stringify(ids))) bodies.add(body);
      after = ids.at(-1)!;
      if (ids.length < pageSize) break;
      if (!(await between())) return false;
    }
    this.tasks = tasks;
    this.bodies = bodies;
    return true;
  }

  /** Brings the set up to the kept first answers now (`keptTasks`, of the reminders dated before `day`). */
  update(keptTasks: ReadonlySet<number>, day: string): void {
    const known = this.tasks;
    if (known === undefined || [...known].some((task) => !keptTasks.has(task))) {
      this.bodies = new Set(this.all.all(day));
    } else {
      const joined = [...keptTasks].filter((task) => !known.has(task));
      if (joined.length > 0) for (const body of this.of.all(JSON.stringify(joined))) this.bodies.add(body);
    }
    this.tasks = keptTasks;
  }

  has(body: number): boolean {
    return this.bodies.has(body);
  }
}
