/**
 * The README's example for warnings resolved by an edit, type-checked against the built package as a HIS project
 * would compile it, so the documented call cannot drift from the API.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeBlocks, consumerProject, typeErrors } from '../../../tests/support/readme-code';

const packageDir = path.resolve(import.meta.dirname, '..');
const example = codeBlocks(fs.readFileSync(path.join(packageDir, 'README.md'), 'utf8'), 'ts').find((block) =>
  block.includes('new VanishedWarnings('),
);

let consumer: ReturnType<typeof consumerProject> | undefined;

beforeAll(() => {
  if (!fs.existsSync(path.join(packageDir, 'dist/index.d.ts')))
    throw new Error('packages/client/dist missing: run `pnpm --filter @prealert/client build`');
  consumer = consumerProject(packageDir, '@prealert/client');
});

afterAll(() => consumer?.remove());

describe('README: warnings resolved by an edit', () => {
  it('compiles as written against the built package', () => {
    expect(example).toContain('prealert.decide(');
    const file = path.join(consumer!.dir, 'vanished-example.ts');
    fs.writeFileSync(file, example!);
    expect(typeErrors([file])).toEqual([]);
  });
});
