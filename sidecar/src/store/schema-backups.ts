import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logging';

/**
 * Copies of the records database kept after a migration (prealert.sqlite.schema<N>.bak). Each is a whole copy of the
 * records, so a workstation upgraded build after build gathered one per schema, never removed. Two: the copy for
 * the build just replaced (the roll-back IT makes) and one before it (a roll-out that went two builds back). A
 * constant, not a setting: an older build refuses a setting it does not know, and a roll-back is when these count.
 */
export const SCHEMA_BACKUPS_KEPT = 2;

export interface PrunedSchemaBackups {
  /** The copies removed, oldest schema first. */
  removed: string[];
  /** The copies kept, newest schema first; the one just made always among them. */
  kept: string[];
  /** Copies that could not be removed, with why: left where they are. */
  failed: { file: string; error: string }[];
}

/**
 * Removes the copies of `file` beyond the `keep` of the highest schemas, never `justMade`. Ordered by schema, not by
 * the files' times: the workstation's clock may have been set back, and the highest schemas are the builds a roll-back
 * goes to. A file that cannot be removed stays, and is reported: it stops nothing.
 */
export function pruneSchemaBackups(
  file: string,
  justMade: string,
  keep: number = SCHEMA_BACKUPS_KEPT,
): PrunedSchemaBackups {
  const dir = path.dirname(file);
  const pattern = new RegExp(`^${escaped(path.basename(file))}\\.schema(\\d+)\\.bak$`);
  const copies = fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const match = entry.isFile() ? pattern.exec(entry.name) : null;
      return match ? [{ file: path.join(dir, entry.name), schema: Number(match[1]) }] : [];
    })
    .sort((a, b) => b.schema - a.schema);
  const made = path.resolve(justMade);
  const kept = copies.filter((copy) => path.resolve(copy.file) === made);
  for (const copy of copies) if (kept.length < Math.max(1, keep) && !kept.includes(copy)) kept.push(copy);
  const result: PrunedSchemaBackups = {
    removed: [],
    kept: kept.sort((a, b) => b.schema - a.schema).map((copy) => copy.file),
    failed: [],
  };
  for (const copy of copies.filter((c) => !kept.includes(c)).reverse()) {
    try {
      fs.rmSync(copy.file);
      result.removed.push(copy.file);
    } catch (error) {
      result.failed.push({ file: copy.file, error: (error as Error).message });
    }
  }
  return result;
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One info line for the copies removed, one warn line for those that could not be; nothing when neither. */
export function logPrunedBackups(logger: Logger, pruned: PrunedSchemaBackups): void {
  if (pruned.removed.length > 0)
    logger.info(
      { removed: pruned.removed, kept: pruned.kept },
      `removed ${pruned.removed.length} older records database ${pruned.removed.length === 1 ? 'copy' : 'copies'} (${pruned.removed.map((file) => path.basename(file)).join(', ')}): the newest ${SCHEMA_BACKUPS_KEPT} are kept (${pruned.kept.map((file) => path.basename(file)).join(', ')})`,
    );
  if (pruned.failed.length > 0)
    logger.warn(
      { failed: pruned.failed },
      `older records database copies could not be removed (${pruned.failed.map((f) => `${f.file}: ${f.error}`).join('; ')}): they stay; remove them by hand once no roll-back needs them`,
    );
}
