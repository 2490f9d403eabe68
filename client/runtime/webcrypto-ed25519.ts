/**
 * Ed25519 verification by the platform's WebCrypto (Chromium 137+, Firefox 129+, Safari 17+, Node 20),
 * for the mesh's signal checks. A tab that forms a room verifies one signature per link it sets up;
 * noble's JavaScript verification costs ~30 ms each on a cold, loaded tab (profiled 2026-12-02: 405 ms
 * of one tab's main thread while a room of 7 formed), the platform's well under a millisecond, off the
 * main thread. Where WebCrypto lacks Ed25519, it falls back to noble (same answers, slower).
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { verifySignature } from '../../shared/signaling/member-key';

/** Verifies an Ed25519 signature; resolves false (never rejects) on anything malformed. */
export type AsyncSignatureVerifier = (
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
) => Promise<boolean>;

/** Imported public keys kept, so a peer's second signal skips the import. */
const KEY_CACHE = 256;

const ED25519 = { name: 'Ed25519' } as const;

/**
 * A verifier on `subtle` (the global WebCrypto by default); `undefined` where there is no WebCrypto at
 * all (`null`). The first `NotSupportedError` (a browser without Ed25519 in WebCrypto) turns it into noble's
 * verification for good.
 */
export function webCryptoVerifier(
  subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null,
): AsyncSignatureVerifier | undefined {
  if (subtle === null) return undefined;
  const keys = new Map<string, Promise<CryptoKey>>();
  let unsupported = false;
  const keyOf = (id: string, publicKey: Uint8Array): Promise<CryptoKey> => {
    let key = keys.get(id);
    if (key === undefined) {
      key = subtle.importKey('raw', publicKey as BufferSource, ED25519, false, ['verify']);
      if (keys.size >= KEY_CACHE) keys.delete(keys.keys().next().value!);
      keys.set(id, key);
    }
    return key;
  };
  return async (publicKey, message, signature) => {
    if (!unsupported) {
      const id = bytesToHex(publicKey);
      try {
        return await subtle.verify(
          ED25519,
          await keyOf(id, publicKey),
          signature as BufferSource,
          message as BufferSource,
        );
      } catch (error) {
        if ((error as { name?: unknown } | null)?.name !== 'NotSupportedError') {
          keys.delete(id);
          return false; // A key that is not a curve point, a signature of the wrong length.
        }
        unsupported = true;
        keys.clear();
      }
    }
    return verifySignature(publicKey, message, signature);
  };
}
