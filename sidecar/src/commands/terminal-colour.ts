/**
 * Whether a command may colour or redraw what it writes to `stream`: only on a terminal, and not with NO_COLOR set
 * (https://no-color.org: any non-empty value). Redirected to a file or a scheduled task's log, escape codes would be
 * text (`←[90m` in cmd.exe).
 */
export function colourWanted(stream: NodeJS.WriteStream = process.stdout): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

/** cli-table3 options for a table on stdout: it colours the head and borders unless told not to. */
export function tableStyle(): { style?: { head: string[]; border: string[] } } {
  return colourWanted() ? {} : { style: { head: [], border: [] } };
}
