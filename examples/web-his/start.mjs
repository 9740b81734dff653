#!/usr/bin/env node
/**
 * `pnpm demo`: starts the workstation sidecar and the demo doctor station together, prints both addresses,
 * and stops both on Ctrl-C. Needs `pnpm build:js` first (`pnpm demo` runs it) (it runs the built sidecar, as a workstation would).
 *
 * Environment: PREALERT_DEMO_PORT (default 17380, 0 = any), PREALERT_PORT (sidecar, default 17311, 0 = any),
 * PREALERT_DATA_DIR (default <repo>/.prealert-data/demo).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoServer, widgetDistDir } from './demo-server.mjs';
import { startSidecar } from './sidecar-process.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sidecarCli = path.join(repoRoot, 'sidecar', 'dist', 'cli.js');

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

if (!fs.existsSync(sidecarCli))
  fail('未找到已构建的 sidecar（sidecar/dist/cli.js），请先运行：pnpm build:js（或直接 pnpm demo）');
if (!fs.existsSync(path.join(widgetDistDir(), 'index.js')))
  fail('未找到已构建的提醒组件（packages/widget/dist），请先运行：pnpm build:js（或直接 pnpm demo）');

const demoPort = Number(process.env.PREALERT_DEMO_PORT ?? 17380);
const sidecarPort = process.env.PREALERT_PORT ?? '17311';
// Created by the sidecar, which says in one line which folder it cannot create or write and what to set
// (PREALERT_DATA_DIR), and makes it owner-only as it does its other data dirs.
const dataDir = path.resolve(process.env.PREALERT_DATA_DIR ?? path.join(repoRoot, '.prealert-data', 'demo'));

let demo;
try {
  demo = await startDemoServer({ port: demoPort });
} catch (error) {
  fail(
    error.code === 'EADDRINUSE'
      ? `演示端口 ${demoPort} 已被占用；可设置 PREALERT_DEMO_PORT=0 使用任意空闲端口`
      : `演示服务启动失败：${error.message}`,
  );
}

let sidecar;
try {
  const demoOrigin = demo.url;
  const localhostOrigin = demo.url.replace('127.0.0.1', 'localhost');
  sidecar = await startSidecar({
    cli: sidecarCli,
    port: sidecarPort,
    dataDir,
    corsOrigins: [demoOrigin, localhostOrigin],
    onLog: (line) => process.stderr.write(`${line}\n`),
  });
} catch (error) {
  await demo.close();
  // The sidecar's own line (data dir, port in use with PREALERT_PORT=0, config) has been shown through onLog.
  if (error.sidecarStderr?.length > 0) process.exit(1);
  fail(`sidecar 启动失败：${error.message}`);
}
demo.setSidecarUrl(sidecar.url);

process.stdout.write(
  [
    '',
    `  医生站演示：     ${demo.url}/`,
    `  医保办统计：     ${demo.url}/figures.html`,
    `  本机 sidecar：   ${sidecar.url}  （3101/3102/3103: ${sidecar.url}/fsi/api/rsfComIfsService/callService）`,
    `  数据目录：       ${dataDir}`,
    '',
    '  按 Ctrl-C 停止。',
    '',
  ].join('\n'),
);

let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  process.stdout.write('正在停止…\n');
  await Promise.allSettled([sidecar.stop(), demo.close()]);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
sidecar.child.once('exit', (code, signal) => {
  if (stopping) return;
  process.stderr.write(`sidecar 意外退出（${signal ?? `code ${code}`}），演示停止。\n`);
  void shutdown(1);
});
