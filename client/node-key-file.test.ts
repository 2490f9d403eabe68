import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOrCreateKeyFile } from './node';

describe('readOrCreateKeyFile', () => {
  it('makes a key once (mode 0600) and reads the same key back', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'shoal-key-')), 'member.key');
    const made = readOrCreateKeyFile(path);
    expect(made).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readOrCreateKeyFile(path)).toEqual(made);
    expect(readFileSync(path, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a file that holds something else', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'shoal-key-')), 'member.key');
    writeFileSync(path, 'not a key');
    expect(() => readOrCreateKeyFile(path)).toThrow(/Ed25519 secret key/);
  });
});
