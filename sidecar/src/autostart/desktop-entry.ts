/**
 * The XDG autostart file (Desktop Entry Specification 1.5, "The Exec key"): how a command line is written into
 * `Exec=` and read back. Two layers of escaping apply, in this order when read: the string-value escapes (`\\`, `\s`,
 * `\n`, `\t`, `\r`), then the Exec quoting (an argument in double quotes, with `"`, `` ` ``, `$` and `\` escaped by a
 * backslash). So a literal backslash in a quoted argument is four backslashes in the file, as the spec says.
 */

/** Characters the spec reserves: an argument holding one must be quoted. */
const RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/** One argument as the Exec key wants it, before the string-value escapes. */
function quoteExecArgument(argument: string): string {
  // `%` starts a field code (%f, %u…) anywhere in Exec, quoted or not; %% is a literal one.
  const percent = argument.replace(/%/g, '%%');
  if (percent !== '' && !RESERVED.test(percent)) return percent;
  return `"${percent.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * The value of `Exec=` for a command line (program first). A newline or other control character in an argument
 * cannot be started by every desktop (the spec leaves it to string escapes some launchers do not undo): refused.
 */
export function execValue(argv: readonly string[]): string {
  for (const argument of argv) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here.
    if (/[\u0000-\u001f\u007f]/.test(argument))
      throw new Error(
        `cannot write ${JSON.stringify(argument)} into a .desktop Exec line: it holds a control character`,
      );
  }
  // The string-value escape of the whole line: a backslash becomes two (the Exec quoting's own included).
  return argv.map(quoteExecArgument).join(' ').replace(/\\/g, '\\\\');
}

/** Undoes the string-value escapes of a Desktop Entry value. */
function unescapeValue(value: string): string {
  return value.replace(/\\(.)/g, (whole, c: string) => {
    if (c === 's') return ' ';
    if (c === 'n') return '\n';
    if (c === 't') return '\t';
    if (c === 'r') return '\r';
    if (c === '\\') return '\\';
    return whole;
  });
}

/**
 * The command line an `Exec=` value runs, as a desktop reads it: string escapes, then quoting, then `%%`. Field codes
 * other than `%%` (which a logon start gives no files or URLs for) are dropped, as the spec says for unused ones.
 * Throws on an unterminated quote.
 */
export function parseExecValue(value: string): string[] {
  const line = unescapeValue(value);
  const argv: string[] = [];
  let current: string | undefined;
  let i = 0;
  while (i < line.length) {
    const c = line.charAt(i);
    if (c === ' ' || c === '\t' || c === '\n') {
      if (current !== undefined) argv.push(current);
      current = undefined;
      i += 1;
    } else if (c === '"') {
      current = current ?? '';
      i += 1;
      for (;;) {
        if (i >= line.length) throw new Error('Exec: a quoted argument is not closed');
        const q = line.charAt(i);
        if (q === '"') break;
        if (q === '\\' && /["`$\\]/.test(line.charAt(i + 1))) {
          current += line.charAt(i + 1);
          i += 2;
        } else {
          current += q;
          i += 1;
        }
      }
      i += 1;
    } else {
      current = (current ?? '') + c;
      i += 1;
    }
  }
  if (current !== undefined) argv.push(current);
  return argv.map((argument) => argument.replace(/%(.)/g, (_whole, code: string) => (code === '%' ? '%' : '')));
}

/** The whole autostart file for a command line. */
export function desktopEntry(argv: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=prealert sidecar',
    'Name[zh_CN]=prealert 处方前提醒服务',
    'Comment=Starts the prealert sidecar at logon, so that the HIS gets pre-prescription reminders',
    `Exec=${execValue(argv)}`,
    'Terminal=false',
    'NoDisplay=true',
    // GNOME (UOS's DDE and Kylin's UKUI read the standard keys) skips an entry with this set to false.
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** The command line of an autostart file's `Exec=` key, or undefined when it has none. */
export function desktopEntryCommand(text: string): string[] | undefined {
  let inMainGroup = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) inMainGroup = line === '[Desktop Entry]';
    else if (inMainGroup) {
      const match = /^Exec\s*=\s*(.*)$/.exec(line);
      if (match) return parseExecValue(match[1] ?? '');
    }
  }
  return undefined;
}
