import { createHash } from 'node:crypto';
import {
  applyDelta,
  BundleError,
  DeltaMerger,
  DeltaReader,
  diffLibraries,
  LibraryReader,
  LineSplitter,
  libraryLines,
  libraryText,
  loadNationalLibrary,
} from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';

// The real next version: batches 1–17 as published, then with NHSA's 2026-01 re-issue of 397 drug points.
const published = libraryLines(loadNationalLibrary({ withRevision: false }));
const revised = libraryLines(loadNationalLibrary({ withRevision: true }));
const sha = (lines: string[]) => createHash('sha256').update(libraryText(lines)).digest('hex');

function deltaOf(parent: string[], child: string[]) {
  const diff = diffLibraries(
    { lines: parent, version: 'nhsa-b1-17', sha256: sha(parent) },
    { lines: child, version: 'nhsa-b1-17+r2026.01', sha256: sha(child) },
  );
  const reader = new DeltaReader('delta.ndjson');
  reader.write(Buffer.from(libraryText(diff.lines)));
  return { ...diff, parsed: reader.end() };
}

async function apply(parent: string[], delta: ReturnType<typeof deltaOf>['parsed']) {
  const out: string[] = [];
  await applyDelta(parent, delta, (line) => out.push(line));
  return out;
}

describe('delta between the published national library and the 2026-01 revision', () => {
  const delta = deltaOf(published, revised);

  it('carries only the re-issued points', () => {
    const { changes } = delta;
    expect(changes.put_rules + changes.del_rules).toBe(0);
    expect(changes.put_points).toBeGreaterThan(300);
    expect(changes.put_points).toBeLessThan(500);
    const size = libraryText(delta.lines).length;
    expect(size).toBeLessThan(libraryText(revised).length / 3);
  });

  it('applied to the parent gives the revision byte for byte', async () => {
    const result = await apply(published, delta.parsed);
    expect(sha(result)).toBe(sha(revised));
    const reader = new LibraryReader('applied');
    reader.write(Buffer.from(libraryText(result)));
    expect(reader.end().data.meta.version).toBe('nhsa-b1-17+r2026.01');
  });

  it('applied to another library gives something else (the signed hash catches it) or fails', async () => {
    const smaller = published.filter((_, i) => i !== 50);
    const removal = deltaOf(published, smaller);
    expect(removal.changes.del_points).toBe(1);
    await expect(apply(smaller, removal.parsed)).rejects.toMatchObject({ code: 'wrong_parent' });
    const notParent = revised.slice(0, revised.length - 1);
    const outcome = await apply(notParent, delta.parsed).then(sha, (error: unknown) => error);
    if (typeof outcome === 'string') expect(outcome).not.toBe(sha(revised));
    else expect(outcome).toBeInstanceOf(BundleError);
  });

  it('an empty delta changes nothing but the header', async () => {
    const same = deltaOf(published, published);
    expect(same.lines).toHaveLength(2);
    expect(sha(await apply(published, same.parsed))).toBe(sha(published));
  });

  it('refuses ops out of order', () => {
    const lines = [...delta.lines];
    [lines[2], lines[3]] = [lines[3]!, lines[2]!];
    const reader = new DeltaReader('delta.ndjson');
    expect(() => reader.write(Buffer.from(libraryText(lines)))).toThrow(BundleError);
  });

  it('streamed from the parent file in odd-sized pieces, merges to the same bytes as applyDelta', async () => {
    for (const [parent, child] of [
      [published, revised],
      [published, published.filter((_, i) => i !== 50 && i !== published.length - 1)],
      [revised, [...published, revised.at(-1)!.replace(/"id":"([^"]+)"/, '"id":"zz$1"')]],
    ] as const) {
      const { parsed } = deltaOf([...parent], [...child]);
      const expected = libraryText(await apply([...parent], parsed));
      const out: Buffer[] = [];
      const merger = new DeltaMerger(parsed, (bytes) => out.push(Buffer.from(bytes)));
      const splitter = new LineSplitter('parent', (bytes, lineNo) => merger.parentLine(bytes, lineNo));
      const bytes = Buffer.from(libraryText(parent));
      for (let offset = 0; offset < bytes.length; offset += 7_777)
        splitter.write(bytes.subarray(offset, offset + 7_777));
      splitter.end();
      merger.end();
      expect(Buffer.concat(out).toString('utf8')).toBe(expected);
    }
  });

  it('streamed, refuses a delta deleting what the parent does not have', () => {
    const smaller = published.filter((_, i) => i !== 50);
    const removal = deltaOf(published, smaller);
    const merger = new DeltaMerger(removal.parsed, () => undefined);
    const splitter = new LineSplitter('parent', (bytes, lineNo) => merger.parentLine(bytes, lineNo));
    expect(() => {
      splitter.write(Buffer.from(libraryText(smaller)));
      merger.end();
    }).toThrow(/deletes .* which the parent does not have/);
  });
});
