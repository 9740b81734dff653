/**
 * The `pnpm bench…` scripts run under tsx, outside vitest, and borrow helpers from the tests. A helper that imports
 * vitest (expect, vi) stops such a bench at its first line ("vitest is imported directly without running vitest"),
 * which no test run notices: bench:swap was broken that way for a session. This walks each bench script's own
 * imports (relative ones, transitively) and names any file on the way that imports vitest.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const scripts = (
  JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

function benchEntries(): [string, string][] {
  const entries: [string, string][] = [];
  for (const [name, command] of Object.entries(scripts)) {
    if (!name.startsWith('bench')) continue;
    const file = /\btsx\b[^&]*?\s(\S+\.ts)\b/.exec(command)?.[1];
    if (file) entries.push([name, file]);
  }
  return entries;
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Every file reached from `entry` through relative imports that imports vitest, with the chain that leads to it. */
function vitestImporters(entry: string): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    const here = [...chain, path.relative(root, file)];
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (fileName === 'vitest' || fileName.startsWith('vitest/')) found.push(here.join(' → '));
      else if (fileName.startsWith('.')) {
        const next = resolveRelative(file, fileName);
        if (next) walk(next, here);
      }
    }
  };
  walk(path.join(root, entry), []);
  return found;
}

describe('the bench scripts run outside vitest', () => {
  const entries = benchEntries();

  it('finds the bench scripts in package.json', () => {
    expect(entries.map(([name]) => name)).toEqual(
      expect.arrayContaining(['bench', 'bench:http', 'bench:shim', 'bench:client', 'bench:swap']),
    );
  });

  it.each(entries)('%s (%s) imports nothing that imports vitest', (_name, file) => {
    expect(vitestImporters(file)).toEqual([]);
  });
});
