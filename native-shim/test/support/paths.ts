import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHIM_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_DIR = path.resolve(SHIM_DIR, '..');
export const BUILD_DIR = path.join(SHIM_DIR, 'build');
export const LINUX_DIR = path.join(BUILD_DIR, `${process.platform}-${process.arch}`);
export const LINUX_LIBRARY = path.join(LINUX_DIR, 'libprealert.so');
export const ADDON = path.join(SHIM_DIR, 'addon', 'build', 'Release', 'prealert_addon.node');
export const SIDECAR_CLI = path.join(REPO_DIR, 'sidecar', 'dist', 'cli.js');
export const winDir = (arch: 'x86' | 'x64') => path.join(BUILD_DIR, `win-${arch}`);

/** The Windows artefacts of one architecture. */
export function windowsArtefacts(arch: 'x86' | 'x64') {
  const dir = winDir(arch);
  return {
    dll: path.join(dir, 'prealert.dll'),
    smoke: path.join(dir, 'wine_smoke.exe'),
    example: path.join(dir, 'his_desktop.exe'),
    loadPerCall: path.join(dir, 'load_per_call.exe'),
  };
}
