import { describe, expect, it } from 'vitest';
import { browser as browserPreset } from '../../shared/swim/index';
import { RoomOptionsError, resolveOptions } from './options';

const base = { signaling: 'https://signal.example', room: 'lobby' };

describe('resolveOptions', () => {
  it('fills in the defaults: empty metadata, no ice servers, the browser preset for 16 members', () => {
    const o = resolveOptions(base);
    expect(o.metadata).toEqual({});
    expect(o.iceServers).toEqual([]);
    expect(o.config).toEqual(browserPreset(16));
    expect(o.token).toBeUndefined();
    expect(o.logger).toBeUndefined();
    expect(o.storage).toBeUndefined();
  });

  it('signs statements only when asked (signedStatements: true), for now', () => {
    expect(resolveOptions(base).signedStatements).toBe(false);
    expect(resolveOptions({ ...base, signedStatements: true }).signedStatements).toBe(true);
  });

  it('runs anti-entropy unless told not to (antiEntropy: false)', () => {
    expect(resolveOptions(base).antiEntropy).toBe(true);
    expect(resolveOptions({ ...base, antiEntropy: false }).antiEntropy).toBe(false);
    expect(() => resolveOptions({ ...base, antiEntropy: 'yes' })).toThrow(RoomOptionsError);
  });

  it('tunes the preset for expectedSize and lays config overrides on top', () => {
    const o = resolveOptions({ ...base, expectedSize: 200, config: { probePeriodMs: 3000 } });
    expect(o.config).toEqual({ ...browserPreset(200), probePeriodMs: 3000 });
  });

  it('turns a periodic task off with null', () => {
    const o = resolveOptions({ ...base, config: { periodicGossip: null } });
    expect(o.config.periodicGossip).toBeUndefined();
  });

  it('accepts ws(s) signaling URLs, a token, storage: null and a console-like logger', () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const o = resolveOptions({ ...base, signaling: 'wss://x.example', token: 't', storage: null, logger });
    expect(o.signaling).toBe('wss://x.example');
    expect(o.token).toBe('t');
    expect(o.storage).toBeNull();
    expect(o.logger).toBe(logger);
  });

  it('accepts several signaling URLs (instances behind Redis), kept in order', () => {
    const o = resolveOptions({ ...base, signaling: ['https://a.example', 'wss://b.example'] });
    expect(o.signaling).toEqual(['https://a.example', 'wss://b.example']);
  });

  it.each([
    ['an empty list of signaling URLs', { ...base, signaling: [] }, /signaling/],
    ['a list with an ftp URL', { ...base, signaling: ['https://a.example', 'ftp://x'] }, /signaling/],
    ['a missing object', undefined, /options object/],
    ['a non-URL signaling', { ...base, signaling: 'nope' }, /signaling/],
    ['an ftp URL', { ...base, signaling: 'ftp://x' }, /signaling/],
    ['a room with a space', { ...base, room: 'a b' }, /room/],
    ['a room of 65 characters', { ...base, room: 'r'.repeat(65) }, /room/],
    ['an empty token', { ...base, token: '' }, /token/],
    ['metadata over 512 bytes', { ...base, metadata: { x: 'y'.repeat(600) } }, /512-byte limit/],
    ['a zero expectedSize', { ...base, expectedSize: 0 }, /expectedSize/],
    ['maxConnections over 500', { ...base, maxConnections: 501 }, /maxConnections/],
    ['a logger without error()', { ...base, logger: { debug() {}, info() {}, warn() {} } }, /logger/],
    ['storage without setItem', { ...base, storage: { getItem: () => null } }, /storage/],
    ['an unknown field', { ...base, rooom: 'typo' }, /rooom/],
    ['an unknown config field', { ...base, config: { probePeriod: 1 } }, /probePeriod/],
    ['probeRttMs not under probePeriodMs', { ...base, config: { probeRttMs: 900 } }, /probeRttMs/],
  ])('refuses %s with RoomOptionsError naming it', (_name, options, message) => {
    expect(() => resolveOptions(options)).toThrow(RoomOptionsError);
    expect(() => resolveOptions(options)).toThrow(message);
  });
});
