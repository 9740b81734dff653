/**
 * The demo station's pages are served as written (no build step lowers them), and HIS vendors copy them into shells
 * embedding Chromium 80–85. Syntax or CSS newer than Chrome 80 there leaves a blank page or an unmarked control;
 * e2e-widget-bundle.test.ts runs the pages with the newer built-ins removed, this checks what that cannot remove.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROW_STYLES } from '../packages/widget/src/row-highlighter';
import { REMINDER_STYLES } from '../packages/widget/src/styles';

const publicDir = path.resolve(import.meta.dirname, '..', 'examples', 'web-his', 'public');
const files = (ext: string) => fs.readdirSync(publicDir).filter((name) => name.endsWith(ext));

const emit = (source: string, target: ts.ScriptTarget) =>
  ts.transpileModule(source, { compilerOptions: { target, module: ts.ModuleKind.ESNext, allowJs: true } }).outputText;

/** CSS Chrome 80 drops: the whole rule for a selector it does not know, the declaration for a property. */
const NEWER_CSS: readonly [RegExp, string][] = [
  [/:has\(/, ':has() (Chrome 105)'],
  [/:is\(/, ':is() (Chrome 88)'],
  [/:where\(/, ':where() (Chrome 88)'],
  [/(^|[\s;{])inset\s*:/, 'inset (Chrome 87)'],
  [/aspect-ratio\s*:/, 'aspect-ratio (Chrome 88)'],
];

describe('the demo station as Chromium 80 reads it', () => {
  it('has no JavaScript syntax newer than ES2020 (?. and ?? are Chrome 80; ??=, #private methods … are not)', () => {
    const lowered = files('.js').filter((name) => {
      const source = fs.readFileSync(path.join(publicDir, name), 'utf8');
      return emit(source, ts.ScriptTarget.ES2020) !== emit(source, ts.ScriptTarget.ESNext);
    });
    expect(files('.js').length).toBeGreaterThan(5);
    expect(lowered).toEqual([]);
  });

  it('has no CSS newer than Chrome 80, on its pages or in the widget', () => {
    const sheets: [string, string][] = [
      ...files('.css').map((name): [string, string] => [name, fs.readFileSync(path.join(publicDir, name), 'utf8')]),
      ...files('.html').map((name): [string, string] => [name, fs.readFileSync(path.join(publicDir, name), 'utf8')]),
      ['widget styles', REMINDER_STYLES],
      ['widget row styles', ROW_STYLES],
    ];
    // gap on a flex container arrived in Chrome 84 (on grid it is Chrome 66): 80–83 ignore it and items touch.
    const flexGap = sheets.flatMap(([name, css]) =>
      [...css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([^{}]+)\{([^{}]*)\}/g)]
        .filter(
          ([, , body]) => /display\s*:\s*(inline-)?flex/.test(body!) && /(^|[\s;])(row-|column-)?gap\s*:/.test(body!),
        )
        .map(([, selector]) => `${name}: flex gap on ${selector!.trim()} (Chrome 84)`),
    );
    const found = sheets.flatMap(([name, css]) =>
      NEWER_CSS.filter(([pattern]) => pattern.test(css.replace(/\/\*[\s\S]*?\*\//g, ''))).map(
        ([, what]) => `${name}: ${what}`,
      ),
    );
    expect([...found, ...flexGap]).toEqual([]);
  });
});
