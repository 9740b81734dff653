#!/usr/bin/env node
// Builds the native shim and everything that exercises it, into native-shim/build/:
//   <os>-<arch>/libprealert.so   scripts/build-so.sh with gcc, always on Linux (the tests drive it through the addon)
//   <os>-<arch>/his_desktop      the doctor-station example (examples/his-desktop-c)
//   <os>-<arch>/load_per_call    test/c/load_per_call.c: dlopen, one call, dlclose, again
//   <os>-<arch>/fd_limit_calls   test/c/fd_limit_calls.c: calls made with no free file descriptor (EMFILE)
//   <os>-<arch>/shim_call        test/c/shim_call.c: one call in a process of its own (another account, no HOME)
//   win-x86/, win-x64/           prealert.dll, his_desktop.exe, wine_smoke.exe, load_per_call.exe: only when Debian's
//                                mingw-w64 compilers are installed (scripts/install-shim-toolchain.sh)
//   addon/build/Release/prealert_addon.node   node-gyp; loads the .so with dlopen
// Nothing is rebuilt when every output is newer than every input and was built under this build's identity (the
// sidecar's `0.1.0+<commit>.<day>`, compiled into prealert_version(); see README "Which build"). `--force` rebuilds
// anyway. `node scripts/build.mjs linux` builds only the .so and its programs (also win-x86, win-x64, addon).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIdentity } from '../../scripts/build-identity.mjs';

const shimDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const exampleDir = path.resolve(shimDir, '..', 'examples', 'his-desktop-c');
const buildDir = path.join(shimDir, 'build');
const force = process.argv.includes('--force');
// `node build.mjs linux` (or win-x86, win-x64, addon, several): those parts only; none named, all of them.
const TARGETS = ['linux', 'win-x86', 'win-x64', 'addon'];
const named = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const unknown = named.filter((t) => !TARGETS.includes(t));
if (unknown.length > 0) {
  console.error(`native-shim: unknown target ${unknown.join(', ')}: use ${TARGETS.join(', ')}`);
  process.exit(1);
}
const wanted = (target) => named.length === 0 || named.includes(target);
const { version } = JSON.parse(fs.readFileSync(path.join(shimDir, 'package.json'), 'utf8'));

const SHIM_SOURCES = [
  'exports.c',
  'breaker.c',
  'clock.c',
  'config.c',
  'envelope_text.c',
  'host_text.c',
  'http_exchange.c',
  'loopback_socket.c',
  'module_pin.c',
  'native_path.c',
  'rotating_log.c',
  'spool.c',
  'sync.c',
].map((f) => path.join(shimDir, 'src', f));
// The identity the sidecar built from this checkout gives itself: a shim made at another commit (or with another
// BUILD_ID) says so, so IT can tell which prealert.dll sits beside a HIS. Throws on a BUILD_ID it cannot use.
let identity;
try {
  identity = buildIdentity(version, shimDir);
} catch (error) {
  console.error(`native-shim: build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const C_FLAGS = ['-O2', '-Wall', '-Wextra', '-Wpedantic', '-std=c11', `-DPREALERT_VERSION="${identity}"`];
/** Beside each output directory's files: the identity they were compiled with. */
const IDENTITY_FILE = 'build-identity.txt';

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'build' || entry.name === 'node_modules' ? [] : filesUnder(full);
    return [full];
  });
}

const inputs = [
  ...filesUnder(path.join(shimDir, 'src')),
  ...filesUnder(path.join(shimDir, 'include')),
  ...filesUnder(path.join(shimDir, 'addon')),
  ...filesUnder(path.join(shimDir, 'test', 'c')),
  ...filesUnder(exampleDir).filter((f) => f.endsWith('.c') || f.endsWith('.h')),
  fileURLToPath(import.meta.url),
  fileURLToPath(new URL('../../scripts/build-identity.mjs', import.meta.url)),
  path.join(shimDir, 'scripts', 'build-so.sh'),
  path.join(shimDir, 'package.json'),
];
const newestInput = Math.max(...inputs.map((f) => fs.statSync(f).mtimeMs));

/**
 * Outputs newer than every input are current only when built under this identity too: a new commit (or BUILD_ID)
 * changes no source, and the mtimes alone kept a shim that named the commit before. `outDir` is where the identity
 * was recorded; outputs that do not embed it (the addon) pass none.
 */
function upToDate(outputs, outDir) {
  if (force) return false;
  if (outDir !== undefined && recordedIdentity(outDir) !== identity) return false;
  return outputs.every((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs >= newestInput);
}

function recordedIdentity(outDir) {
  try {
    return fs.readFileSync(path.join(outDir, IDENTITY_FILE), 'utf8');
  } catch {
    return undefined;
  }
}

/** Forgotten before a build starts and written once it succeeded, so a build that failed half way is redone. */
function forgetIdentity(outDir) {
  fs.rmSync(path.join(outDir, IDENTITY_FILE), { force: true });
}

function recordIdentity(outDir) {
  fs.writeFileSync(path.join(outDir, IDENTITY_FILE), identity);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

function hasCommand(command) {
  const result = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

function buildLinux() {
  const outDir = path.join(buildDir, `${process.platform}-${process.arch}`);
  const library = path.join(outDir, 'libprealert.so');
  const example = path.join(outDir, 'his_desktop');
  const loadPerCall = path.join(outDir, 'load_per_call');
  const fdLimitCalls = path.join(outDir, 'fd_limit_calls');
  const shimCall = path.join(outDir, 'shim_call');
  if (upToDate([library, example, loadPerCall, fdLimitCalls, shimCall], outDir)) {
    console.log(`native-shim: ${path.relative(shimDir, library)} (${identity}) up to date`);
    return;
  }
  if (!hasCommand('gcc')) throw new Error('gcc is required to build the Linux shim (apt-get install gcc)');
  fs.mkdirSync(outDir, { recursive: true });
  forgetIdentity(outDir);
  // The same script IT runs on an arm64 or LoongArch workstation (README "Building"), so the .so the tests load is
  // built with the flags that one gets.
  run('sh', [path.join(shimDir, 'scripts', 'build-so.sh'), outDir], {
    env: { ...process.env, CC: 'gcc', PREALERT_VERSION: identity },
  });
  // The programs that load the shim at run time (dlopen), as a HIS does.
  const program = (output, sources) =>
    run('gcc', [
      '-O2',
      '-Wall',
      '-Wextra',
      '-std=c11',
      '-I',
      path.join(shimDir, 'include'),
      '-o',
      output,
      ...sources,
      '-ldl',
    ]);
  program(
    example,
    ['his_desktop.c', 'shim_loader.c', 'json_scan.c'].map((f) => path.join(exampleDir, f)),
  );
  program(loadPerCall, [path.join(shimDir, 'test', 'c', 'load_per_call.c')]);
  program(fdLimitCalls, [path.join(shimDir, 'test', 'c', 'fd_limit_calls.c')]);
  program(shimCall, [path.join(shimDir, 'test', 'c', 'shim_call.c')]);
  recordIdentity(outDir);
  console.log(
    `native-shim: built ${[library, example, loadPerCall, fdLimitCalls, shimCall].map((f) => path.relative(shimDir, f)).join(', ')} (${identity})`,
  );
}

function buildWindows(arch, triplet) {
  const outDir = path.join(buildDir, `win-${arch}`);
  const dll = path.join(outDir, 'prealert.dll');
  const exes = ['his_desktop.exe', 'wine_smoke.exe', 'load_per_call.exe'].map((f) => path.join(outDir, f));
  if (!hasCommand(`${triplet}-gcc`)) {
    console.log(`native-shim: SKIPPED win-${arch}: ${triplet}-gcc not found (run scripts/install-shim-toolchain.sh)`);
    return;
  }
  if (upToDate([dll, ...exes], outDir)) {
    console.log(`native-shim: ${path.relative(shimDir, dll)} (${identity}) up to date`);
    return;
  }
  fs.mkdirSync(outDir, { recursive: true });
  forgetIdentity(outDir);
  const resource = path.join(outDir, 'version.o');
  const commaVersion = [
    ...version
      .split(/[.-]/)
      .slice(0, 3)
      .map((n) => Number.parseInt(n, 10) || 0),
    0,
  ].join(',');
  // FILEVERSION and the FileVersion string: the package version, numeric as Windows wants it; ProductVersion: the
  // build's identity, what Explorer's Details tab shows IT.
  run(`${triplet}-windres`, [
    `-DPREALERT_VERSION=\\"${identity}\\"`,
    `-DPREALERT_FILE_VERSION=\\"${version}\\"`,
    `-DPREALERT_VERSION_COMMA=${commaVersion}`,
    path.join(shimDir, 'src', 'version.rc'),
    '-O',
    'coff',
    '-o',
    resource,
  ]);
  // -static-libgcc and the win32 thread model: the DLL imports only KERNEL32, msvcrt and WS2_32, so
  // no runtime has to be installed next to it. --kill-at keeps the x86 __stdcall exports undecorated.
  run(`${triplet}-gcc`, [
    ...C_FLAGS,
    '-shared',
    '-s',
    '-static-libgcc',
    '-o',
    dll,
    ...SHIM_SOURCES,
    resource,
    path.join(shimDir, 'src', 'prealert.def'),
    '-lws2_32',
    '-Wl,--kill-at',
    '-Wl,--enable-stdcall-fixup',
    '-Wl,--nxcompat',
    '-Wl,--dynamicbase',
  ]);
  fs.rmSync(resource);
  const include = ['-I', path.join(shimDir, 'include')];
  const exeFlags = ['-O2', '-Wall', '-Wextra', '-std=c11', '-static-libgcc', '-s', ...include];
  run(`${triplet}-gcc`, [
    ...exeFlags,
    '-o',
    exes[0],
    path.join(exampleDir, 'his_desktop.c'),
    path.join(exampleDir, 'shim_loader.c'),
    path.join(exampleDir, 'json_scan.c'),
  ]);
  run(`${triplet}-gcc`, [...exeFlags, '-o', exes[1], path.join(shimDir, 'test', 'c', 'wine_smoke.c'), '-lws2_32']);
  run(`${triplet}-gcc`, [...exeFlags, '-o', exes[2], path.join(shimDir, 'test', 'c', 'load_per_call.c')]);
  recordIdentity(outDir);
  console.log(
    `native-shim: built ${path.relative(shimDir, outDir)}/{prealert.dll,his_desktop.exe,wine_smoke.exe,load_per_call.exe} (${identity})`,
  );
}

function buildAddon() {
  const addonDir = path.join(shimDir, 'addon');
  const addon = path.join(addonDir, 'build', 'Release', 'prealert_addon.node');
  if (upToDate([addon])) {
    console.log('native-shim: addon up to date');
    return;
  }
  const nodeGyp = path.join(shimDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const args = [nodeGyp, 'configure', 'build', '--loglevel=warn'];
  // Debian's nodejs ships its headers in /usr/include/node; pointing node-gyp there avoids a download.
  if (fs.existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
  run(process.execPath, args, { cwd: addonDir });
  fs.utimesSync(addon, new Date(), new Date());
  console.log(`native-shim: built ${path.relative(shimDir, addon)}`);
}

try {
  if (process.platform === 'win32') {
    console.log('native-shim: SKIPPED: build the DLLs on Linux with mingw-w64 (see native-shim/README.md)');
  } else {
    if (wanted('linux')) buildLinux();
    if (wanted('win-x86')) buildWindows('x86', 'i686-w64-mingw32');
    if (wanted('win-x64')) buildWindows('x64', 'x86_64-w64-mingw32');
    if (wanted('addon')) buildAddon();
  }
} catch (error) {
  console.error(`native-shim: build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
