import { BundleError, type GeneratedKeys, generateSigningKeys } from '@prealert/rules-cache';
import type { Command } from 'commander';

/**
 * The key pair written into --out, a failure to make or write in it naming the option: node's own "EEXIST: file
 * already exists, mkdir 'k'" (a file where the directory should be) named neither --out nor what to do.
 */
function writeKeys(outDir: string): GeneratedKeys {
  try {
    return generateSigningKeys(outDir);
  } catch (error) {
    if (error instanceof BundleError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const why =
      code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way of the directory' : 'cannot write there';
    throw new Error(`--out ${outDir}: ${why} (${code}); give a directory, new or existing, this account can write in`);
  }
}

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('write an Ed25519 key pair for signing library bundles (the .pub file goes to every workstation)')
    .requiredOption('--out <dir>', 'directory for prealert-bundle.key and prealert-bundle.pub')
    .action((options: { out: string }) => {
      const keys = writeKeys(options.out);
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
