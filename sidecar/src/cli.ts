#!/usr/bin/env node
import { Command } from 'commander';
import { registerAutostart } from './commands/autostart';
import { registerServe } from './commands/serve';
import { registerStats } from './commands/stats';
import { SOFTWARE_BUILD } from './software-version';
import { SCHEMA_VERSION } from './store/database';
import { registerSyncCommands } from './sync/commands/register-sync-commands';

// Each command lives in commands/<name>.ts and registers itself here.
const program = new Command('prealert')
  .description('prealert: local pre-prescription reminders (national 3101/3102/3103)')
  // Which build a workstation runs, answerable at its command line (also in /v1/status, /metrics, fleet status).
  // The records schema on a line of its own: the build stays the whole first line, for scripts that read it.
  .version(
    `${SOFTWARE_BUILD}\nrecords schema ${SCHEMA_VERSION}`,
    '-V, --version',
    'print the prealert build (version+commit.day) and the records schema it writes',
  )
  // Program options only before the command: otherwise `bundle build --version <name>` printed prealert's version.
  .enablePositionalOptions();
registerServe(program);
registerStats(program);
registerSyncCommands(program);
registerAutostart(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  // A clear one-line message for operators (bad config, bad dates); no stack trace.
  process.stderr.write(`prealert: ${(error as Error).message ?? String(error)}\n`);
  process.exitCode = 1;
});
