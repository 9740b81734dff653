import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { tempDataDir } from './helpers/test-server';

describe('outputMaxChars', () => {
  it('is the spec’s 40000 by default, raised or switched off by PREALERT_OUTPUT_MAX_CHARS or the file', () => {
    const dir = tempDataDir();
    expect(loadConfig({ env: { PREALERT_DATA_DIR: dir } }).outputMaxChars).toBe(40_000);
    expect(loadConfig({ env: { PREALERT_DATA_DIR: dir, PREALERT_OUTPUT_MAX_CHARS: '0' } }).outputMaxChars).toBe(0);
    fs.writeFileSync(path.join(dir, 'prealert.config.json'), JSON.stringify({ outputMaxChars: 65_536 }));
    expect(loadConfig({ env: { PREALERT_DATA_DIR: dir } }).outputMaxChars).toBe(65_536);
  });

  it('refuses a bound below the spec’s field, naming the setting', () => {
    const dir = tempDataDir();
    expect(() => loadConfig({ env: { PREALERT_DATA_DIR: dir, PREALERT_OUTPUT_MAX_CHARS: '4000' } })).toThrow(
      /PREALERT_OUTPUT_MAX_CHARS must be 0 \(no bound\) or a whole number of characters of at least 40000 \(got "4000"\)/,
    );
    fs.writeFileSync(path.join(dir, 'prealert.config.json'), JSON.stringify({ outputMaxChars: 'lots' }));
    expect(() => loadConfig({ env: { PREALERT_DATA_DIR: dir } })).toThrow(/prealert\.config\.json: outputMaxChars/);
  });
});
