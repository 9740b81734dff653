/**
 * The Windows logon launcher: a VBScript in the Startup folder that starts node with no window and does not wait
 * (`WScript.Shell.Run <command>, 0, False`). A .cmd there would leave a console window open on the doctor's desktop
 * for as long as the sidecar runs.
 */

/**
 * One argument as CommandLineToArgvW (and node's C runtime) reads it back: in double quotes when it holds a space,
 * a tab or a quote; backslashes are literal except before a quote, where they are doubled (and the quote escaped).
 */
export function quoteWindowsArgument(argument: string): string {
  if (argument !== '' && !/[\s"]/.test(argument)) return argument;
  let quoted = '"';
  let backslashes = 0;
  for (const c of argument) {
    if (c === '\\') {
      backslashes += 1;
      continue;
    }
    if (c === '"') quoted += `${'\\'.repeat(backslashes * 2 + 1)}"`;
    else quoted += `${'\\'.repeat(backslashes)}${c}`;
    backslashes = 0;
  }
  // Backslashes before the closing quote would escape it.
  return `${quoted}${'\\'.repeat(backslashes * 2)}"`;
}

/** A command line from its arguments (program first). */
export function windowsCommandLine(argv: readonly string[]): string {
  for (const argument of argv) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here.
    if (/[\u0000-\u001f\u007f]/.test(argument))
      throw new Error(`cannot write ${JSON.stringify(argument)} into a Windows launcher: it holds a control character`);
    // WScript.Shell.Run expands %NAME% in its command, and there is no escape for it.
    if (/%[^%\s]+%/.test(argument))
      throw new Error(
        `cannot write ${JSON.stringify(argument)} into a Windows launcher: WScript would expand its %…% as a variable; give the path without it`,
      );
  }
  return argv.map(quoteWindowsArgument).join(' ');
}

/** The arguments CommandLineToArgvW makes of a command line (the rules quoteWindowsArgument writes for). */
export function splitWindowsCommandLine(line: string): string[] {
  const argv: string[] = [];
  let current: string | undefined;
  let inQuotes = false;
  let i = 0;
  while (i < line.length) {
    const c = line.charAt(i);
    if (c === '\\') {
      let n = 0;
      while (line.charAt(i) === '\\') {
        n += 1;
        i += 1;
      }
      if (line.charAt(i) === '"') {
        current = (current ?? '') + '\\'.repeat(Math.floor(n / 2));
        if (n % 2 === 1) {
          current += '"';
          i += 1;
        }
      } else current = (current ?? '') + '\\'.repeat(n);
    } else if (c === '"') {
      current = current ?? '';
      inQuotes = !inQuotes;
      i += 1;
    } else if ((c === ' ' || c === '\t') && !inQuotes) {
      if (current !== undefined) argv.push(current);
      current = undefined;
      i += 1;
    } else {
      current = (current ?? '') + c;
      i += 1;
    }
  }
  if (current !== undefined) argv.push(current);
  return argv;
}

/** A VBScript string literal: quotes doubled, nothing else is special. */
function vbsString(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** The launcher's text for a command line (program first). */
export function launcherScript(argv: readonly string[]): string {
  return [
    "' prealert: starts the sidecar at logon, with no window, without waiting (written by prealert autostart install).",
    // A node that is gone (a deleted tree, a roaming profile) must not put a Script Host error box up at every logon.
    'On Error Resume Next',
    `CreateObject("WScript.Shell").Run ${vbsString(windowsCommandLine(argv))}, 0, False`,
    '',
  ].join('\r\n');
}

/**
 * The file's bytes: UTF-16LE with a byte order mark. Windows Script Host reads a script without one in the ANSI code
 * page, where a Chinese folder name outside it (or any, on a workstation set to another locale) is lost.
 */
export function launcherBytes(script: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(script, 'utf16le')]);
}

/** The command line a launcher runs, or undefined when it holds no Run line prealert wrote. */
export function launcherCommand(bytes: Buffer): string[] | undefined {
  const text =
    bytes[0] === 0xff && bytes[1] === 0xfe ? bytes.subarray(2).toString('utf16le') : bytes.toString('latin1');
  const match = /\.Run\s+"((?:[^"]|"")*)"/.exec(text);
  return match ? splitWindowsCommandLine((match[1] ?? '').replace(/""/g, '"')) : undefined;
}
