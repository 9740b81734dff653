// The built binaries' tables, read with objdump: each export present and undecorated in both DLLs,
// only system DLLs imported (no runtime to install), version info embedded; the .so exports the C ABI
// and nothing else, and is marked never to be unloaded.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildShim } from './support/build-once';
import { LINUX_LIBRARY, SHIM_DIR, winDir } from './support/paths';
import { sidecarBuild } from './support/sidecar-build';

const EXPORTS = ['prealert_call', 'prealert_call_gbk', 'prealert_call_w', 'prealert_set_option', 'prealert_version'];
const { version } = JSON.parse(fs.readFileSync(path.join(SHIM_DIR, 'package.json'), 'utf8')) as { version: string };

function objdump(tool: string, args: string[]): string | undefined {
  const result = spawnSync(tool, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return result.stdout;
}

function exportNames(dump: string): string[] {
  const table = dump.slice(dump.indexOf('[Ordinal/Name Pointer] Table'));
  return [...table.matchAll(/^\s*\[\s*\d+\]\s+(\S+)$/gm)].map((m) => m[1]!).sort();
}

beforeAll(() => {
  buildShim();
});

describe.each([
  ['x86', 'i686-w64-mingw32', 'pei-i386', 'i386,'],
  ['x64', 'x86_64-w64-mingw32', 'pei-x86-64', 'i386:x86-64,'],
] as const)('prealert.dll %s', (arch, triplet, format, machine) => {
  const dll = path.join(winDir(arch), 'prealert.dll');
  const tool = `${triplet}-objdump`;

  it('exports the five functions, undecorated; imports only KERNEL32, msvcrt and WS2_32', (ctx) => {
    const dump = fs.existsSync(dll) ? objdump(tool, ['-p', dll]) : undefined;
    if (dump === undefined) {
      const reason = `SKIPPED: ${fs.existsSync(dll) ? `${tool} not found` : `${dll} not built (no ${triplet}-gcc)`}; run scripts/install-shim-toolchain.sh`;
      console.log(reason);
      ctx.skip(reason);
    }
    expect(dump).toContain(`file format ${format}`);
    expect(exportNames(dump!)).toEqual(EXPORTS);
    expect(dump).not.toMatch(/prealert_\w+@\d+/); // no stdcall decoration left
    const imports = [...dump!.matchAll(/DLL Name: (\S+)/g)].map((m) => m[1]!.toUpperCase()).sort();
    expect(imports).toEqual(['KERNEL32.DLL', 'MSVCRT.DLL', 'WS2_32.DLL']);
    const headers = objdump(tool, ['-f', dll]);
    expect(headers).toContain(`architecture: ${machine}`);
  });

  it('embeds VERSIONINFO: FileVersion the package version, ProductVersion the build the sidecar names', (ctx) => {
    if (!fs.existsSync(dll)) {
      const reason = `SKIPPED: ${dll} not built (no ${triplet}-gcc); run scripts/install-shim-toolchain.sh`;
      console.log(reason);
      ctx.skip(reason);
    }
    const bytes = fs.readFileSync(dll);
    const utf16 = (s: string) => Buffer.from(s, 'utf16le');
    expect(bytes.includes(utf16('VS_VERSION_INFO'))).toBe(true);
    expect(bytes.includes(Buffer.concat([utf16('FileVersion'), Buffer.alloc(2)]))).toBe(true);
    expect(bytes.includes(utf16(version))).toBe(true);
    expect(bytes.includes(utf16('prealert.dll'))).toBe(true);
    // A String entry: its key, NUL, padding to 4 bytes, then the value; what Explorer shows as 产品版本.
    const key = bytes.indexOf(Buffer.concat([utf16('ProductVersion'), Buffer.alloc(2)]));
    expect(key).toBeGreaterThan(0);
    const build = sidecarBuild();
    const value = bytes.subarray(key + 30, key + 34 + 2 * build.length + 2);
    expect(value.includes(Buffer.concat([utf16(build), Buffer.alloc(2)])), 'ProductVersion').toBe(true);
  });
});

describe('prealert.dll x86 calling convention', () => {
  // __stdcall: the callee pops its arguments, so each export's first return is `ret $<argument bytes>`.
  // This is what PowerBuilder and VB6 need, and no 32-bit Windows runs here to call it (see README).
  const popped: Record<string, number> = {
    prealert_call: 16,
    prealert_call_gbk: 16,
    prealert_call_w: 16,
    prealert_set_option: 8,
    prealert_version: 0,
  };

  it('every export is __stdcall (ret $N pops its arguments)', (ctx) => {
    const dll = path.join(winDir('x86'), 'prealert.dll');
    const tool = 'i686-w64-mingw32-objdump';
    const dump = fs.existsSync(dll) ? objdump(tool, ['-p', dll]) : undefined;
    if (dump === undefined) {
      const reason = `SKIPPED: ${dll} or ${tool} missing; run scripts/install-shim-toolchain.sh`;
      console.log(reason);
      ctx.skip(reason);
    }
    const imageBase = Number.parseInt(/ImageBase\s+([0-9a-f]+)/i.exec(dump!)![1]!, 16);
    const rvas = [...dump!.matchAll(/^\s*\[\s*(\d+)\] \+base\[\s*\d+\] ([0-9a-f]+) Export RVA$/gm)].map((m) => ({
      index: Number(m[1]),
      rva: Number.parseInt(m[2]!, 16),
    }));
    const names = dump!.slice(dump!.indexOf('[Ordinal/Name Pointer] Table'));
    for (const [name, bytes] of Object.entries(popped)) {
      const index = Number(new RegExp(`^\\s*\\[\\s*(\\d+)\\] ${name}$`, 'm').exec(names)![1]);
      const start = imageBase + rvas.find((r) => r.index === index)!.rva;
      const code = objdump(tool, [
        '-d',
        `--start-address=0x${start.toString(16)}`,
        `--stop-address=0x${(start + 0x400).toString(16)}`,
        dll,
      ]);
      const firstReturn = /\tret\s*(\$0x[0-9a-f]+)?/.exec(code ?? '');
      expect(firstReturn, `${name} has a ret`).not.toBeNull();
      expect(firstReturn![1] ? Number.parseInt(firstReturn![1].slice(1), 16) : 0, name).toBe(bytes);
    }
  });
});

describe('libprealert.so', () => {
  it('exports exactly the C ABI (everything else is hidden)', () => {
    const dump = objdump('objdump', ['-T', LINUX_LIBRARY]);
    expect(dump).toBeDefined();
    const defined = [...dump!.matchAll(/^\S+\s+g\s+DF\s+\.text\s+\S+\s+(?:\S+\s+)?(\S+)$/gm)].map((m) => m[1]!).sort();
    expect(defined).toEqual(EXPORTS);
  });

  it('is never unloaded by dlclose (-z nodelete), so a HIS that dlopens it per call keeps its breaker', () => {
    const dynamic = objdump('readelf', ['-d', LINUX_LIBRARY]);
    expect(dynamic).toBeDefined();
    expect(dynamic).toMatch(/\(FLAGS_1\)\s+Flags:.*\bNODELETE\b/);
  });
});
