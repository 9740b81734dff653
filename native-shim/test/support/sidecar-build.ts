import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { SIDECAR_CLI } from './paths';

let build: string | undefined;

/**
 * The first line of what `node sidecar/dist/cli.js --version` prints (the second names the records schema): the build identity of the sidecar built from this checkout
 * (`0.1.0+<commit>.<day>`), which the shim of the same checkout must carry too.
 */
export function sidecarBuild(): string {
  if (build === undefined) {
    if (!fs.existsSync(SIDECAR_CLI)) {
      throw new Error(`${SIDECAR_CLI} is missing: run \`pnpm build:js\` at the repository root first`);
    }
    build = execFileSync(process.execPath, [SIDECAR_CLI, '--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
  }
  return build;
}
