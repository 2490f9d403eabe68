import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, FORBIDDEN_KEYS } from './limits';
import {
  eventArgsEnvelopeSchema,
  findJsonBoundsViolation,
  joinRequestSchema,
  signalRequestSchema,
} from './schemas';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
console.log(`shared/signaling schema properties: seed=${seed} (replay with SEED=${seed})`);
const params = { seed, numRuns: 300 };

function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

function hasForbiddenKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasForbiddenKey);
  return Object.keys(value).some(
    (k) => FORBIDDEN_KEYS.has(k) || hasForbiddenKey((value as Record<string, unknown>)[k]),
  );
}

const json = fc.jsonValue({ maxDepth: 6 });

describe('findJsonBoundsViolation', () => {
  it('accepts any JSON value within bounds and without forbidden keys', () => {
    fc.assert(
      fc.property(json, (value) => {
        const violation = findJsonBoundsViolation(value, 1e9, 64);
        expect(violation === undefined).toBe(!hasForbiddenKey(value));
      }),
      params,
    );
  });

  it('flags nesting exactly when it is deeper than the limit', () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 1, max: 8 }), (value, maxDepth) => {
        fc.pre(!hasForbiddenKey(value));
        const violation = findJsonBoundsViolation(value, 1e9, maxDepth);
        expect(violation?.message.includes('deeper') ?? false).toBe(depthOf(value) > maxDepth);
      }),
      params,
    );
  });

  it('never under-counts the JSON size of a value without escapes', () => {
    const unescaped = json.filter((v) => !JSON.stringify(v).includes('\\') && !hasForbiddenKey(v));
    fc.assert(
      fc.property(unescaped, (value) => {
        const size = JSON.stringify(value).length;
        if (size > 1) expect(findJsonBoundsViolation(value, size - 1, 64)?.reason).toBe('payload-too-large');
      }),
      params,
    );
  });

  it('walks a 100,000-level nesting without recursion', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findJsonBoundsViolation(deep, 1e9, 1e9)).toBeUndefined();
    expect(findJsonBoundsViolation(deep, 1e9, 8)?.reason).toBe('invalid-payload');
  });

  it('stops early on a huge array once the byte budget is spent', () => {
    const huge = new Array(1_000_000).fill(0);
    expect(findJsonBoundsViolation(huge, 1000, 8)?.reason).toBe('payload-too-large');
  });

  it('refuses values JSON cannot carry', () => {
    expect(findJsonBoundsViolation(Number.NaN, 100, 8)?.reason).toBe('invalid-payload');
    expect(findJsonBoundsViolation({ f: () => 1 }, 100, 8)?.reason).toBe('invalid-payload');
    expect(findJsonBoundsViolation([new Uint8Array(2)], 100, 8)?.message).toMatch(/binary/);
  });
});

describe('schemas', () => {
  const addr = 'ab'.repeat(16);

  it('accepts a join with and without a token and refuses unknown keys', () => {
    expect(joinRequestSchema.safeParse({ room: 'a.b_c-1', addr }).success).toBe(true);
    expect(joinRequestSchema.safeParse({ room: 'r', addr, token: 't' }).success).toBe(true);
    expect(joinRequestSchema.safeParse({ room: 'r', addr, extra: 1 }).success).toBe(false);
  });

  it('bounds room names to 1-64 characters of [A-Za-z0-9_.-]', () => {
    const ok = (room: string) => joinRequestSchema.safeParse({ room, addr }).success;
    expect([ok('x'), ok('x'.repeat(64)), ok('x'.repeat(65)), ok(''), ok('a b'), ok('é'), ok('a:b')]).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('requires a signal to carry data', () => {
    expect(signalRequestSchema.safeParse({ room: 'r', to: addr, sessionId: 's' }).success).toBe(false);
    expect(signalRequestSchema.safeParse({ room: 'r', to: addr, sessionId: 's', data: null }).success).toBe(
      true,
    );
  });

  it('the envelope carries the refusal reason in the issue', () => {
    const envelope = eventArgsEnvelopeSchema(DEFAULT_LIMITS);
    const result = envelope.safeParse(['x'.repeat(DEFAULT_LIMITS.maxPayloadBytes)]);
    expect(result.success).toBe(false);
    expect((result.error?.issues[0] as { params?: unknown } | undefined)?.params).toEqual({
      reason: 'payload-too-large',
    });
    expect(envelope.safeParse([{}, {}]).success).toBe(false);
  });
});
