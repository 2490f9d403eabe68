import { afterEach, describe, expect, it } from 'vitest';
import { createSignalingServer, type SignalingServer } from './package-entry';

describe('createSignalingServer', () => {
  let server: SignalingServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('does nothing until listen, then serves /healthz on the port listen was given, and close stops it', async () => {
    server = createSignalingServer({ bootstrapPeers: 2 });
    expect(server.running).toBeUndefined();
    const running = await server.listen(0, '127.0.0.1');
    expect(server.running).toBe(running);
    expect(running.port).toBeGreaterThan(0);
    const health = await fetch(`${running.url}/healthz`);
    expect(health.status).toBe(200);
    await server.close();
    expect(server.running).toBeUndefined();
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
  });

  it('refuses a second listen while listening, and bad options at listen', async () => {
    server = createSignalingServer();
    await server.listen(0, '127.0.0.1');
    await expect(server.listen(0)).rejects.toThrow(/already listening/);
    await expect(createSignalingServer({ bootstrapPeers: -1 }).listen(0)).rejects.toThrow(/bootstrapPeers/);
  });

  it('closes without having listened', async () => {
    await expect(createSignalingServer().close()).resolves.toBeUndefined();
  });
});
