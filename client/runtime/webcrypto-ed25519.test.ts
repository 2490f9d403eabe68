import { describe, expect, it } from 'vitest';
import { memberKeyFromSecret } from '../../shared/signaling/member-key';
import { webCryptoVerifier } from './webcrypto-ed25519';

const key = memberKeyFromSecret(new Uint8Array(32).fill(7));
const other = memberKeyFromSecret(new Uint8Array(32).fill(8));
const message = new TextEncoder().encode('shoal-signal-v1:offer:room:a:b:s::fp');
const signature = key.sign(message);

/** A WebCrypto whose every call fails with `name` (as a browser without Ed25519 does). */
function failingSubtle(name: string): SubtleCrypto & { calls: number } {
  const fail = () => {
    fake.calls += 1;
    return Promise.reject(Object.assign(new Error(name), { name }));
  };
  const fake = { calls: 0, importKey: fail, verify: fail } as unknown as SubtleCrypto & { calls: number };
  return fake;
}

describe('webCryptoVerifier (Node 20 has Ed25519 in WebCrypto, as Chromium 137+ does)', () => {
  const verify = webCryptoVerifier()!;

  it('accepts a signature by the key, and refuses another message, another key or a bent signature', async () => {
    expect(await verify(key.publicKey, message, signature)).toBe(true);
    expect(await verify(key.publicKey, message.slice(1), signature)).toBe(false);
    expect(await verify(other.publicKey, message, signature)).toBe(false);
    const bent = signature.slice();
    bent[3]! ^= 1;
    expect(await verify(key.publicKey, message, bent)).toBe(false);
  });

  it('resolves false, never rejects, for a key or signature of the wrong length', async () => {
    expect(await verify(key.publicKey.subarray(1), message, signature)).toBe(false);
    expect(await verify(key.publicKey, message, signature.subarray(1))).toBe(false);
    // The same key again once a bad import of another was dropped from the cache.
    expect(await verify(key.publicKey, message, signature)).toBe(true);
  });

  it('without Ed25519 in WebCrypto it falls back to noble for good, with the same answers', async () => {
    const subtle = failingSubtle('NotSupportedError');
    const fallback = webCryptoVerifier(subtle)!;
    expect(await fallback(key.publicKey, message, signature)).toBe(true);
    expect(await fallback(other.publicKey, message, signature)).toBe(false);
    expect(subtle.calls).toBe(1);
  });

  it('any other WebCrypto failure is a refusal, not a fallback', async () => {
    const subtle = failingSubtle('DataError');
    const refusing = webCryptoVerifier(subtle)!;
    expect(await refusing(key.publicKey, message, signature)).toBe(false);
    expect(await refusing(key.publicKey, message, signature)).toBe(false);
    expect(subtle.calls).toBe(2);
  });

  it('is absent where there is no WebCrypto', () => {
    expect(webCryptoVerifier(null)).toBeUndefined();
  });
});
