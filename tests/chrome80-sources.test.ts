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

/** The station's pages' and the widget's stylesheets, by name. */
const sheets = (): [string, string][] => [
  ...files('.css').map((name): [string, string] => [name, fs.readFileSync(path.join(publicDir, name), 'utf8')]),
  ...files('.html').map((name): [string, string] => [name, fs.readFileSync(path.join(publicDir, name), 'utf8')]),
  ['widget styles', REMINDER_STYLES],
  ['widget row styles', ROW_STYLES],
];

/** Each style rule of a sheet (flat, or one level inside @media) as its selector list and its declarations. */
const rulesOf = (css: string): { selectors: string[]; body: string }[] =>
  [...css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([^{}]+)\{([^{}]*)\}/g)].map(([, selector, body]) => ({
    selectors: selector!.split(',').map((part) => part.trim().replace(/\s+/g, ' ')),
    body: body!,
  }));

/**
 * Focus rings Chromium 80–85 would not show. It has no :focus-visible and drops a rule naming it whole, so a ring
 * drawn only on X:focus-visible is never drawn there, and other selectors grouped with one are lost with it. The
 * fallback: X:focus draws the ring, X:focus:not(:focus-visible) (dropped there) takes it off for the mouse.
 */
function focusRingsChrome80Misses(name: string, css: string): string[] {
  const rules = rulesOf(css);
  const all = new Set(rules.flatMap((rule) => rule.selectors));
  const missing: string[] = [];
  for (const { selectors } of rules) {
    const naming = selectors.filter((part) => part.includes(':focus-visible'));
    if (naming.length > 0 && naming.length < selectors.length)
      missing.push(`${name}: ${selectors.join(', ')} (the others are dropped with the :focus-visible ones)`);
    for (const part of naming) {
      const drawn = part.replace(/:not\(:focus-visible\)/g, '');
      if (!drawn.includes(':focus-visible')) continue; // only takes a ring off
      const fallback = drawn.replace(/:focus-visible/g, ':focus');
      if (!all.has(fallback)) missing.push(`${name}: ${part} without ${fallback}`);
    }
  }
  return missing;
}

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
    // gap on a flex container arrived in Chrome 84 (on grid it is Chrome 66): 80–83 ignore it and items touch.
    const flexGap = sheets().flatMap(([name, css]) =>
      [...css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([^{}]+)\{([^{}]*)\}/g)]
        .filter(
          ([, , body]) => /display\s*:\s*(inline-)?flex/.test(body!) && /(^|[\s;])(row-|column-)?gap\s*:/.test(body!),
        )
        .map(([, selector]) => `${name}: flex gap on ${selector!.trim()} (Chrome 84)`),
    );
    const found = sheets().flatMap(([name, css]) =>
      NEWER_CSS.filter(([pattern]) => pattern.test(css.replace(/\/\*[\s\S]*?\*\//g, ''))).map(
        ([, what]) => `${name}: ${what}`,
      ),
    );
    expect([...found, ...flexGap]).toEqual([]);
  });

  it('draws every :focus-visible ring on :focus too (Chrome 86+), on its pages and in the widget', () => {
    // The check itself: a ring drawn only on :focus-visible, or grouped with other selectors, is found.
    expect(
      focusRingsChrome80Misses('sample', 'a:focus-visible { outline: 1px solid; } b:focus { outline: 0 }'),
    ).toEqual(['sample: a:focus-visible without a:focus']);
    expect(focusRingsChrome80Misses('sample', 'a:focus:not(:focus-visible), b:hover { outline: 0 }')).toHaveLength(1);
    expect(
      focusRingsChrome80Misses('sample', 'a:focus { outline: 1px solid } a:focus:not(:focus-visible) { outline: 0 }'),
    ).toEqual([]);

    expect(sheets().flatMap(([name, css]) => focusRingsChrome80Misses(name, css))).toEqual([]);
    // The rings are there to be checked: the widget's and the station's controls draw one on :focus.
    expect(rulesOf(REMINDER_STYLES).some(({ selectors }) => selectors.includes('button:focus'))).toBe(true);
    expect(
      rulesOf(fs.readFileSync(path.join(publicDir, 'styles.css'), 'utf8')).some(({ selectors }) =>
        selectors.includes('button:focus'),
      ),
    ).toBe(true);
  });
});
