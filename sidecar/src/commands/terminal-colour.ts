/**
 * Whether a command's table may be coloured: only on a terminal, and not with NO_COLOR set (https://no-color.org: any
 * non-empty value). Redirected to a file or a scheduled task's log, escape codes would be text (`←[90m` in cmd.exe).
 */
export function colourWanted(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}
