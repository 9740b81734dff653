import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_FILE_NAME, ConfigError, DEFAULT_PORT, loadConfig } from '../src/config';
import { defaultDataDir } from '../src/data-dir';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
import { tempDataDir } from './helpers/test-server';

describe('data dir per OS convention', () => {
  it('Windows: %LOCALAPPDATA%\\prealert', () => {
    expect(defaultDataDir('win32', { LOCALAPPDATA: 'C:\\Users\\doc\\AppData\\Local' }, 'C:\\Users\\doc')).toBe(
      'C:\\Users\\doc\\AppData\\Local\\prealert',
    );
    expect(defaultDataDir('win32', {}, 'C:\\Users\\doc')).toBe('C:\\Users\\doc\\AppData\\Local\\prealert');
    expect(defaultDataDir('win32', { PREALERT_DATA_SCOPE: 'machine', ProgramData: 'D:\\ProgramData' }, 'C:\\x')).toBe(
      'D:\\ProgramData\\prealert',
    );
    expect(defaultDataDir('linux', { PREALERT_DATA_SCOPE: 'machine' }, '/home/doc')).toBe('/var/lib/prealert');
  });
  it('Linux (UOS, Kylin): $XDG_DATA_HOME/prealert, else ~/.local/share/prealert', () => {
    expect(defaultDataDir('linux', { XDG_DATA_HOME: '/data/xdg' }, '/home/doc')).toBe('/data/xdg/prealert');
    expect(defaultDataDir('linux', { XDG_DATA_HOME: 'relative' }, '/home/doc')).toBe('/home/doc/.local/share/prealert');
    expect(defaultDataDir('linux', {}, '/home/doc')).toBe('/home/doc/.local/share/prealert');
  });
  it('macOS: ~/Library/Application Support/prealert', () => {
    expect(defaultDataDir('darwin', {}, '/Users/doc')).toBe('/Users/doc/Library/Application Support/prealert');
  });
});

describe('config: defaults < file < environment < command line', () => {
  it('defaults to loopback on 17311', () => {
    const dir = tempDataDir();
    const config = loadConfig({ env: { PREALERT_DATA_DIR: dir } });
    expect(config).toMatchObject({ host: '127.0.0.1', port: DEFAULT_PORT, dataDir: dir, corsOrigins: [] });
    expect(config.configFile).toBeUndefined();
  });

  it('reads prealert.config.json from the data dir, then lets env and flags override it', () => {
    const dir = tempDataDir();
    fs.writeFileSync(
      path.join(dir, CONFIG_FILE_NAME),
      JSON.stringify({
        port: 18000,
        host: '0.0.0.0',
        corsOrigins: ['http://his.local'],
        upstream: { url: 'http://gw.local/', timeoutMs: 500, maxBodyBytes: 65536 },
      }),
    );
    const fromFile = loadConfig({ env: { PREALERT_DATA_DIR: dir } });
    expect(fromFile).toMatchObject({ port: 18000, host: '0.0.0.0', corsOrigins: ['http://his.local'] });
    expect(fromFile.upstream).toMatchObject({ url: 'http://gw.local/', timeoutMs: 500, maxBodyBytes: 65536 });
    expect(loadConfig({ env: {}, overrides: { dataDir: tempDataDir() } }).upstream.maxBodyBytes).toBe(1024 * 1024);
    const fromEnv = loadConfig({ env: { PREALERT_DATA_DIR: dir, PREALERT_PORT: '18001', PREALERT_HOST: '127.0.0.1' } });
    expect(fromEnv).toMatchObject({ port: 18001, host: '127.0.0.1' });
    const fromFlags = loadConfig({ env: { PREALERT_DATA_DIR: dir, PREALERT_PORT: '18001' }, overrides: { port: 0 } });
    expect(fromFlags.port).toBe(0);
  });

  it('allows national calls from other machines only when told to, in the file or the environment', () => {
    const dir = tempDataDir();
    expect(loadConfig({ env: {}, overrides: { dataDir: dir } }).allowRemoteNational).toBe(false);
    fs.writeFileSync(path.join(dir, CONFIG_FILE_NAME), JSON.stringify({ allowRemoteNational: true }));
    expect(loadConfig({ env: { PREALERT_DATA_DIR: dir } }).allowRemoteNational).toBe(true);
    expect(
      loadConfig({ env: { PREALERT_DATA_DIR: dir, PREALERT_ALLOW_REMOTE_NATIONAL: 'off' } }).allowRemoteNational,
    ).toBe(false);
    expect(() => loadConfig({ env: { PREALERT_DATA_DIR: dir, PREALERT_ALLOW_REMOTE_NATIONAL: 'yes' } })).toThrow(
      /PREALERT_ALLOW_REMOTE_NATIONAL must be on or off/,
    );
  });

  it('refuses a CORS origin that can never match, naming the value, in the file or the environment', () => {
    const dir = tempDataDir();
    const file = path.join(dir, CONFIG_FILE_NAME);
    const fromFile = (origins: unknown) => {
      fs.writeFileSync(file, JSON.stringify({ corsOrigins: origins }));
      return () => loadConfig({ env: { PREALERT_DATA_DIR: dir } });
    };
    const fromEnv = (value: string) => () =>
      loadConfig({ env: { PREALERT_DATA_DIR: tempDataDir(), PREALERT_CORS_ORIGINS: value } });
    // As browsers send them, and "*": accepted.
    expect(fromFile(['http://his.example.org:8080', 'https://his.example', '*'])().corsOrigins).toEqual([
      'http://his.example.org:8080',
      'https://his.example',
      '*',
    ]);
    expect(fromEnv(' http://10.1.2.3:8080 , * ')().corsOrigins).toEqual(['http://10.1.2.3:8080', '*']);

    expect(fromFile(['http://his.example', 'http://x/'])).toThrow(
      /^prealert\.config\.json: corsOrigins: "http:\/\/x\/" is not an origin.*did you mean "http:\/\/x"\?$/,
    );
    expect(fromFile(['http://his.example/doctor/index.html'])).toThrow(/"http:\/\/his\.example\/doctor\/index\.html"/);
    expect(fromFile(['his.example.org:8080'])).toThrow(/corsOrigins: "his\.example\.org:8080" is not an origin/);
    expect(fromFile(['HTTP://HIS.example'])).toThrow(/did you mean "http:\/\/his\.example"/);
    expect(fromFile(['http://his.example:80'])).toThrow(/did you mean "http:\/\/his\.example"/);
    // A file:// station's "null" would admit every sandboxed iframe of any web site: refused, saying so.
    expect(fromFile(['http://his.example', 'null'])).toThrow(
      /^prealert\.config\.json: corsOrigins: "null" is refused: every sandboxed iframe, on any web site, sends Origin null/,
    );
    expect(fromEnv('null')).toThrow(/^PREALERT_CORS_ORIGINS: "null" is refused: every sandboxed iframe/);
    expect(fromEnv('http://x/,zzz')).toThrow(/^PREALERT_CORS_ORIGINS: "http:\/\/x\/" is not an origin/);
    expect(fromEnv('http://his.example,zzz')).toThrow(/^PREALERT_CORS_ORIGINS: "zzz" is not an origin/);
    expect(fromEnv('http://his.example,zzz')).toThrow(ConfigError);
  });

  it('stops the start with one line naming a malformed CORS origin', () => {
    assertBuilt();
    const run = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', tempDataDir()], {
      env: { ...process.env, PREALERT_LOG_LEVEL: 'error', PREALERT_CORS_ORIGINS: 'http://his.example/' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'prealert: PREALERT_CORS_ORIGINS: "http://his.example/" is not an origin: scheme://host[:port] as the browser sends it (no path, no trailing slash), or "*"; did you mean "http://his.example"?',
    ]);
  });

  it("reads the gateway's 3103 retry schedule (upstream.retryMinMs, .retryMaxMs) as the platform's, naming a bad one", () => {
    const dir = tempDataDir();
    const file = path.join(dir, CONFIG_FILE_NAME);
    const attempt = (upstream: Record<string, unknown>) => {
      fs.writeFileSync(file, JSON.stringify({ upstream }));
      return () => loadConfig({ env: { PREALERT_DATA_DIR: dir } });
    };
    // Today's schedule stays the default: 1 s doubling up to 5 min.
    expect(loadConfig({ env: {}, overrides: { dataDir: tempDataDir() } }).upstream).toMatchObject({
      retryMinMs: 1_000,
      retryMaxMs: 300_000,
    });
    expect(attempt({ retryMinMs: 250, retryMaxMs: 4_000 })().upstream).toMatchObject({
      retryMinMs: 250,
      retryMaxMs: 4_000,
    });
    expect(attempt({ retryMinMs: '250' })().upstream.retryMinMs).toBe(250);
    for (const bad of [0, -1, 1.5, '1s', true, null]) {
      expect(attempt({ retryMinMs: bad })).toThrow(
        /^prealert\.config\.json: upstream\.retryMinMs must be a positive integer$/,
      );
      expect(attempt({ retryMaxMs: bad })).toThrow(
        /^prealert\.config\.json: upstream\.retryMaxMs must be a positive integer$/,
      );
    }
    expect(attempt({ retryMinMs: 0 })).toThrow(ConfigError);
  });

  it('stops the start with one line naming a bad upstream.retryMinMs', () => {
    assertBuilt();
    const dataDir = tempDataDir();
    fs.writeFileSync(path.join(dataDir, CONFIG_FILE_NAME), JSON.stringify({ upstream: { retryMinMs: '1s' } }));
    const run = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir], {
      env: { ...process.env, PREALERT_LOG_LEVEL: 'error' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'prealert: prealert.config.json: upstream.retryMinMs must be a positive integer',
    ]);
  });

  it('names the bad setting', () => {
    const dir = tempDataDir();
    const file = path.join(dir, CONFIG_FILE_NAME);
    const attempt = (content: string) => {
      fs.writeFileSync(file, content);
      return () => loadConfig({ env: { PREALERT_DATA_DIR: dir } });
    };
    expect(attempt('{"port": 70000}')).toThrow(/prealert.config.json: port must be an integer from 0 to 65535/);
    expect(attempt('{"prot": 1}')).toThrow(/prot is not a known setting/);
    expect(attempt('{"adminToken": "short"}')).toThrow(/adminToken must be at least 16 characters/);
    expect(attempt('{"upstream": {"url": "ftp://x"}}')).toThrow(/upstream.url must be an http\(s\) URL/);
    expect(attempt('{"log": {"level": "loud"}}')).toThrow(/log.level must be one of/);
    // A misspelt key inside a block stops the start too, where it used to be ignored (the default used instead).
    expect(attempt('{"upstream": {"timeoutMS": 500}}')).toThrow(
      /upstream\.timeoutMS is not a known setting \(url, timeoutMs, headers, maxBodyBytes, tif, retryMinMs, retryMaxMs\)/,
    );
    expect(attempt('{"upstream": {"maxBodyBytes": "1MB"}}')).toThrow(
      /upstream\.maxBodyBytes must be a positive integer/,
    );
    expect(attempt('{"upstream": {"maxBodyBytes": 0}}')).toThrow(/upstream\.maxBodyBytes must be a positive integer/);
    expect(attempt('{"log": {"lvl": "debug"}}')).toThrow(/log\.lvl is not a known setting/);
    expect(attempt('{"platform": {"retryMin": 5}}')).toThrow(/platform\.retryMin is not a known setting/);
    expect(attempt('{"platform": {"timeoutMs": 0}}')).toThrow(/platform\.timeoutMs must be a positive integer/);
    expect(attempt('{"platform": {"timeoutMs": 2500}}')().platform.timeoutMs).toBe(2500);
    expect(attempt('{"upstream": {"tif": {"paasId": "a", "token": "b", "tokne": "c"}}}')).toThrow(
      /upstream\.tif\.tokne is not a known setting/,
    );
    // The evaluator block: a typo or a value outside the national ones stops the start, naming the path.
    expect(attempt('{"evaluator": {"ruleOverrides": {"GZ10000301004000": {"impact": "blok"}}}}')).toThrow(
      /evaluator\.ruleOverrides\.GZ10000301004000\.impact must be one of "notice", "confirm", "reason", "block"/,
    );
    expect(attempt('{"evaluator": {"ruleOverides": {}}}')).toThrow(/evaluator\.ruleOverides is not a known setting/);
    expect(attempt('{"evaluator": {"ruleOverrides": {"GZ10000301004000": {"severity": 4}}}}')).toThrow(
      /evaluator\.ruleOverrides\.GZ10000301004000\.severity must be one of 1, 2, 3/,
    );
    expect(attempt('{"evaluator": {"ruleOverrides": {"GZ10000301004000": {"scenes": [2, 11]}}}}')).toThrow(
      /evaluator\.ruleOverrides\.GZ10000301004000\.scenes\[1\] must be <= 10/,
    );
    // A specialty hospital is a list of specialties (["眼科"]), not one word.
    expect(attempt('{"evaluator": {"specialtyHospital": "眼科"}}')).toThrow(
      /evaluator\.specialtyHospital must be array/,
    );
    expect(attempt('{"evaluator": {"specialtyHospital": ["眼科"]}}')).not.toThrow();
    expect(attempt('{"evaluator": {"ageCeilings": {"childMaxYears": "14"}}}')).toThrow(
      /evaluator\.ageCeilings\.childMaxYears must be integer/,
    );
    expect(attempt('{"evaluator": {"hospitalLevel": 2, "medinsLevelMap": {"A": 4}}}')).toThrow(
      /evaluator\.medinsLevelMap\.A must be one of 1, 2, 3/,
    );
    expect(attempt('{"evaluator": []}')).toThrow(/evaluator must be an object/);
    const good = {
      ruleOverrides: { GZ10000301004000: { impact: 'confirm', severity: 3, scenes: [1, 2], enabled: true } },
      ageCeilings: { childMaxYears: 12 },
      hospitalLevel: 3,
      internetVisit: { medTypes: ['9901'], deptCodes: ['HLW'] },
    };
    expect(attempt(JSON.stringify({ evaluator: good }))().evaluator).toEqual(good);
    expect(attempt('{"port": ')).toThrow(ConfigError);
    expect(() =>
      loadConfig({ env: { PREALERT_DATA_DIR: dir, PREALERT_PORT: 'abc' }, configFile: undefined }),
    ).toThrow();
    fs.rmSync(file);
    expect(() => loadConfig({ env: { PREALERT_DATA_DIR: dir, PREALERT_PORT: 'abc' } })).toThrow(
      /PREALERT_PORT must be an integer/,
    );
    expect(() => loadConfig({ env: {}, configFile: path.join(dir, 'missing.json') })).toThrow(
      /cannot read config file/,
    );
  });
});
