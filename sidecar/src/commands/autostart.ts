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
import { EXIT_NOT_RUNNING, statusExitCode } from '../autostart/exit-codes';
import { fixedPortWarning, refuseMachineScope, unseenVariableHints } from '../autostart/install-checks';
import { probeLine, probeSidecar } from '../autostart/running-sidecar';
import { planServeOptions, readServeArgs, serveArgsOf } from '../autostart/serve-options';
import { SOFTWARE_BUILD } from '../software-version';

const STARTUP_DIR = '--startup-dir <folder>';
const STARTUP_DIR_HELP = 'Windows: the Startup folder, where Group Policy redirected it (default: under APPDATA)';

interface FileOptions {
  startupDir?: string;
}

interface InstallOptions extends FileOptions {
  port?: string | false;
  host?: string | false;
  dataDir?: string | false;
  config?: string | false;
  print?: boolean;
}

/** This build's cli.js: the bundle this runs in (dist/), or, from the sources, the built one beside them. */
function thisCli(): string {
  return fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../dist/cli.js' : './cli.js', import.meta.url));
}

function thisBuild(serveArgs: readonly string[]): StartCommand {
  return { node: process.execPath, cli: thisCli(), serveArgs };
}

/** The serve arguments of the entry installed now, if it holds a prealert serve command. */
function installedServeArgs(file: string): string[] | undefined {
  const state = autostartState(process.platform, file, thisBuild([]));
  return state.state === 'current' || state.state === 'stale' ? state.argv.slice(3) : undefined;
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
      const kept = serveArgsOf(readServeArgs(state.argv.slice(3)).options);
      const keeps = kept.length > 0 ? ` (it keeps ${kept.join(' ')})` : '';
      return `stale: ${state.file} starts ${state.argv[0]} ${state.argv[1]}${gone}, not this build (${expected.node} ${expected.cli}): run prealert autostart install again${keeps}`;
    }
  }
}

export function registerAutostart(program: Command): void {
  const autostart = program
    .command('autostart')
    .description("start the sidecar at this account's logon (XDG autostart on Linux, the Startup folder on Windows)");
  autostart
    .command('install')
    .description(
      'write the logon start for this build; over an installed one, its serve options are kept unless given anew',
    )
    .option('-p, --port <port>', 'serve --port at logon (0 = any free port)')
    .option('--no-port', "drop the installed entry's --port")
    .option('--host <host>', 'serve --host at logon')
    .option('--no-host', "drop the installed entry's --host")
    .option('-d, --data-dir <dir>', 'serve --data-dir at logon (made absolute)')
    .option('--no-data-dir', "drop the installed entry's --data-dir")
    .option('-c, --config <file>', 'serve --config at logon (made absolute)')
    .option('--no-config', "drop the installed entry's --config")
    .option(STARTUP_DIR, STARTUP_DIR_HELP)
    .option('--print', 'print the file and where it would go instead of writing it')
    .action((options: InstallOptions) => {
      refuseMachineScope(process.env);
      const file = autostartFile(process.platform, process.env, options.startupDir);
      const plan = planServeOptions(
        { port: options.port, host: options.host, dataDir: options.dataDir, config: options.config },
        process.env,
        installedServeArgs(file),
      );
      const bytes = autostartBytes(process.platform, thisBuild(serveArgsOf(plan.options)));
      const warning = fixedPortWarning(plan.options, process.platform, process.env);
      const unseen = unseenVariableHints(process.env);
      if (options.print) {
        process.stdout.write(`# ${file}\n`);
        // The Windows launcher is UTF-16LE on disk; its text is shown here.
        const text = process.platform === 'win32' ? bytes.subarray(2).toString('utf16le') : bytes.toString('utf8');
        process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      } else {
        writeAutostartFile(file, bytes);
        process.stdout.write(`installed: ${file} starts prealert serve at the next logon\n`);
        for (const note of plan.notes) process.stdout.write(`${note}\n`);
      }
      for (const hint of unseen) process.stderr.write(`${hint}\n`);
      if (warning !== undefined) process.stderr.write(`${warning}\n`);
    });
  autostart
    .command('remove')
    .description("remove prealert's logon start")
    .option(STARTUP_DIR, STARTUP_DIR_HELP)
    .action((options: FileOptions) => {
      const file = autostartFile(process.platform, process.env, options.startupDir);
      process.stdout.write(
        removeAutostartFile(file) ? `removed: ${file}\n` : `not installed: ${file} does not exist\n`,
      );
    });
  autostart
    .command('status')
    .description(
      `whether the logon start is installed for this build and its sidecar answers: exit 0 installed and running this build on its data dir; 1 not installed, unreadable or stale (another build in the entry); ${EXIT_NOT_RUNNING} installed but nothing, something else or another prealert (build, data dir) answers where it would listen`,
    )
    .option(STARTUP_DIR, STARTUP_DIR_HELP)
    .action(async (options: FileOptions) => {
      const expected = thisBuild([]);
      const file = autostartFile(process.platform, process.env, options.startupDir);
      const state = autostartState(process.platform, file, expected);
      process.stdout.write(`${stateLine(state, expected)}\n`);
      // No entry, nothing it would start: only an entry's own serve options say where to look.
      if (state.state !== 'current' && state.state !== 'stale') {
        process.exitCode = 1;
        return;
      }
      const probe = await probeSidecar(state.argv.slice(3), SOFTWARE_BUILD);
      process.stdout.write(`${probeLine(probe, SOFTWARE_BUILD)}\n`);
      process.exitCode = statusExitCode(state.state, probe.state);
    });
}
