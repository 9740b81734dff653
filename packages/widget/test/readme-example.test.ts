/**
 * The TypeScript in the widget's README, type-checked as a HIS project would compile it: strict, DOM, against the
 * built package (dist/index.d.ts) reached through node_modules. Vendors copy this code; it has to compile as written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeBlocks, consumerProject, typeErrors } from '../../../tests/support/readme-code';

const packageDir = path.resolve(import.meta.dirname, '..');
const blocks = codeBlocks(fs.readFileSync(path.join(packageDir, 'README.md'), 'utf8'), 'ts');

// What the README leaves to the HIS: its own function naming an order line.
const HIS_DECLARATIONS = 'declare function orderName(rxId: string): string | undefined;\n';

let consumer: ReturnType<typeof consumerProject> | undefined;

beforeAll(() => {
  if (!fs.existsSync(path.join(packageDir, 'dist/index.d.ts')))
    throw new Error('packages/widget/dist missing: run `pnpm --filter @prealert/widget build`');
  consumer = consumerProject(packageDir, '@prealert/widget');
});

afterAll(() => consumer?.remove());

describe('README TypeScript', () => {
  it('holds the example that queries the element and reads the analysis results', () => {
    const example = blocks.find((block) => block.includes("document.querySelector('prealert-reminder')"));
    expect(example).toContain('outcome.body.output?.result');
    expect(example).toContain('request: analysisData');
  });

  it('compiles as written against the built package', () => {
    const dir = consumer!.dir;
    const files = blocks.map((block, index) => {
      const file = path.join(dir, `readme-${index + 1}.ts`);
      fs.writeFileSync(file, block);
      return file;
    });
    const declarations = path.join(dir, 'his.d.ts');
    fs.writeFileSync(declarations, HIS_DECLARATIONS);
    expect(typeErrors([...files, declarations])).toEqual([]);
  });
});
