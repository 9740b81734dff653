import type { Command } from 'commander';
import { registerBundle } from './bundle-command';
import { registerFleet } from './fleet-command';
import { registerKeygen } from './keygen-command';
import { registerPush } from './push-command';
import { registerRollback } from './rollback-command';

/** keygen, bundle build|verify, rollback, push, fleet status. */
export function registerSyncCommands(program: Command): void {
  registerKeygen(program);
  registerBundle(program);
  registerRollback(program);
  registerPush(program);
  registerFleet(program);
}
