import { parseArgs } from 'node:util';
import { startPlatform } from './platform-server';

const USAGE = `provincial platform simulator
  --port <n>        port (default 17400; 0 = any free port)
  --host <addr>     address to bind (default 127.0.0.1)
  --bundles <dir>   directory served under /bundles/ (publish into it with \`prealert bundle build --out <dir>\`)
  --publish <dir>   copy this bundle directory in at start`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '17400' },
    host: { type: 'string', default: '127.0.0.1' },
    bundles: { type: 'string' },
    publish: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be 0-65535 (got ${values.port})\n`);
  process.exit(2);
}
const platform = await startPlatform({
  host: values.host,
  port,
  ...(values.bundles ? { bundleDir: values.bundles } : {}),
});
if (values.publish) platform.publish(values.publish);
process.stdout.write(
  [
    `provincial platform simulator on ${platform.url}`,
    `  bundles:   ${platform.bundleUrl}  (from ${platform.bundleDir})  -> PREALERT_SYNC_URL`,
    `  数据归集:  ${platform.collectUrl}  -> PREALERT_PLATFORM_URL`,
    `  faults:    curl -X POST ${platform.url}/_sim/faults -H 'content-type: application/json' -d '{"kind":"status","status":503,"times":3}'`,
    `             kinds: status, slow (delayMs, bytesPerSecond), truncate, bad_signature, wrong_hash, reset`,
    `  look:      ${platform.url}/_sim/state  /_sim/uploads  /_sim/requests`,
    '',
  ].join('\n'),
);
const stop = () => void platform.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
