import type { PointEntry } from '../library/compile';
import type { Line } from '../normalize/request';
import { entryRuns } from './run-state';

/*
 * The per-patient match table: which of a patient's lines each point of the library names, gathered before any check
 * runs, so a point's check sees all its lines at once.
 */

export interface Match {
  entry: PointEntry;
  lines: Line[];
}

/** Draws the stamp that tells one patient's matches from every earlier one's (PointEntry.matchStamp). */
let lastMatchStamp = 0;

/**
 * The lines of one patient matched to the points that name their codes, in the order the points were first met.
 * A point's match is found through the point's own scratch fields (PointEntry.matchStamp/matchIndex), stamped with
 * this patient's number: no Map and no search, however many points a request meets.
 */
export class PatientMatches {
  readonly list: Match[] = [];
  private readonly stamp: number;
  tcmSingle: Map<Line, PointEntry> | undefined = undefined;
  surgeryGroups: Map<string, Line[]> | undefined = undefined;

  constructor() {
    // Never wraps: a double counts exactly to 2^53, and a stamp drawn twice could match a point's stale one.
    this.stamp = ++lastMatchStamp;
  }

  add(entry: PointEntry, line: Line): void {
    if (line.beginDay < entry.fromDay || line.beginDay > entry.toDay || !entryRuns(entry)) return;
    const limit = entry.kp.limit;
    if (limit.kind === 'tcm_single_not_paid') {
      if (line.current) {
        this.tcmSingle ??= new Map();
        this.tcmSingle.set(line, entry);
      }
      return;
    }
    if (limit.kind === 'same_incision_group') {
      this.surgeryGroups ??= new Map();
      const group = this.surgeryGroups.get(limit.group);
      if (group) group.push(line);
      else this.surgeryGroups.set(limit.group, [line]);
    }
    if (entry.matchStamp === this.stamp) {
      this.list[entry.matchIndex]!.lines.push(line);
      return;
    }
    entry.matchStamp = this.stamp;
    entry.matchIndex = this.list.length;
    this.list.push({ entry, lines: [line] });
  }
}

export function hasCurrentLine(lines: readonly Line[]): boolean {
  for (let i = 0; i < lines.length; i++) if (lines[i]!.current) return true;
  return false;
}
