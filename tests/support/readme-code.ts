import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

/** The fenced code blocks of one language in a README, in order. */
export function codeBlocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((match) => match[1]!);
}

/** A HIS project's folder with the package linked into node_modules, as installing it would put it there. */
export function consumerProject(packageDir: string, packageName: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-readme-'));
  fs.mkdirSync(path.dirname(path.join(dir, 'node_modules', packageName)), { recursive: true });
  fs.symlinkSync(packageDir, path.join(dir, 'node_modules', packageName), 'junction');
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Type errors of the files compiled the way a strict browser TypeScript project compiles them, one line each. */
export function typeErrors(files: readonly string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const place = d.file ? `${path.basename(d.file.fileName)}:${(where?.line ?? 0) + 1}` : '';
    return `${place} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}
