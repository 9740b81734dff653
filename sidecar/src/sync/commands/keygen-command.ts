import { generateSigningKeys } from '@prealert/rules-cache';
import type { Command } from 'commander';

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('write an Ed25519 key pair for signing library bundles (the .pub file goes to every workstation)')
    .requiredOption('--out <dir>', 'directory for prealert-bundle.key and prealert-bundle.pub')
    .action((options: { out: string }) => {
      const keys = generateSigningKeys(options.out);
      process.stdout.write(
        [
          `private key: ${keys.privateKeyFile}   (keep it with whoever builds bundles; never on a workstation)`,
          `public key:  ${keys.publicKeyFile}   (set PREALERT_SYNC_PUBKEY to it on each workstation)`,
          `key id:      ${keys.keyId}`,
          '',
        ].join('\n'),
      );
    });
}
