import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import {
  type AutostartState,
  autostartBytes,
  autostartFile,
  autostartState,
  removeAutostartFile,
  type StartCommand,
  writeAutostartFile,
} from '../autostart/autostart-entry';
import { pathSetting, portArgument } from '../config';

interface InstallOptions {
  port?: string;
  host?: string;
  dataDir?: string;
  config?: string;
  print?: boolean;
}

/** This build's cli.js: the bundle this runs in (dist/), or, from the sources, the built one beside them. */
function thisCli(): string {
  return fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../dist/cli.js' : './cli.js', import.meta.url));
}

/**
 * `serve` and the options given to install. Paths are made absolute here: the logon session starts elsewhere, and a
 * `~` the shell left alone is this account's home, as serve would read it.
 */
function startCommand(options: InstallOptions): StartCommand {
  const serveArgs: string[] = [];
  if (options.dataDir !== undefined)
    serveArgs.push('--data-dir', pathSetting(options.dataDir, process.cwd(), '--data-dir', process.env));
  if (options.config !== undefined)
    serveArgs.push('--config', pathSetting(options.config, process.cwd(), '--config', process.env));
  if (options.port !== undefined) serveArgs.push('--port', String(portArgument(options.port)));
  if (options.host !== undefined) {
    if (options.host.trim() === '') throw new Error('--host is empty: give an address such as 127.0.0.1');
    serveArgs.push('--host', options.host);
  }
  return { node: process.execPath, cli: thisCli(), serveArgs };
}

function stateLine(state: AutostartState, expected: StartCommand): string {
  switch (state.state) {
    case 'absent':
      return `not installed: ${state.file} does not exist; run prealert autostart install`;
    case 'unreadable':
      return `not usable: ${state.file}: ${state.reason}; run prealert autostart install again`;
    case 'current':
      return `installed and current: ${state.file} starts ${state.argv.slice(2).join(' ')} with this build (${expected.cli})`;
    case 'stale': {
      const gone = state.missing.length > 0 ? `, which no longer exists (${state.missing.join(', ')})` : '';
      return `stale: ${state.file} starts ${state.argv[0]} ${state.argv[1]}${gone}, not this build (${expected.node} ${expected.cli}): run prealert autostart install again`;
    }
  }
}

export function registerAutostart(program: Command): void {
  const autostart = program
    .command('autostart')
    .description("start the sidecar at this account's logon (XDG autostart on Linux, the Startup folder on Windows)");
  autostart
    .command('install')
    .description('write the logon start for this build, with these serve options')
    .option('-p, --port <port>', 'serve --port at logon (0 = any free port)')
    .option('--host <host>', 'serve --host at logon')
    .option('-d, --data-dir <dir>', 'serve --data-dir at logon (made absolute)')
    .option('-c, --config <file>', 'serve --config at logon (made absolute)')
    .option('--print', 'print the file and where it would go instead of writing it')
    .action((options: InstallOptions) => {
      const file = autostartFile();
      const command = startCommand(options);
      const bytes = autostartBytes(process.platform, command);
      if (options.print) {
        process.stdout.write(`# ${file}\n`);
        // The Windows launcher is UTF-16LE on disk; its text is shown here.
        const text = process.platform === 'win32' ? bytes.subarray(2).toString('utf16le') : bytes.toString('utf8');
        process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
        return;
      }
      writeAutostartFile(file, bytes);
      process.stdout.write(`installed: ${file} starts prealert serve at the next logon\n`);
    });
  autostart
    .command('remove')
    .description("remove prealert's logon start")
    .action(() => {
      const file = autostartFile();
      process.stdout.write(
        removeAutostartFile(file) ? `removed: ${file}\n` : `not installed: ${file} does not exist\n`,
      );
    });
  autostart
    .command('status')
    .description('whether the logon start is installed and starts this build (exit 0), or not (exit 1)')
    .action(() => {
      const expected = startCommand({});
      const state = autostartState(process.platform, autostartFile(), expected);
      process.stdout.write(`${stateLine(state, expected)}\n`);
      if (state.state !== 'current') process.exitCode = 1;
    });
}
