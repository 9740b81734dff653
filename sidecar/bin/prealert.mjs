#!/usr/bin/env node
// The package's `prealert` command. It is this committed file, not the build output it runs, because pnpm links
// a package's bin when it installs, before anything is built: pointing at dist/cli.js made a fresh clone's first
// `pnpm install` warn "Failed to create bin … sidecar/dist/cli.js", which reads like a broken install.
import fs from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!fs.existsSync(cli)) {
  process.stderr.write('prealert: not built yet: run pnpm build (or pnpm build:js) at the repository root\n');
  process.exit(1);
}
await import(cli.href);
