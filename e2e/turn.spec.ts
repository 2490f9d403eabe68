/**
 * TURN, proven: two tabs whose only candidates are relayed through a local coturn
 * (`iceTransportPolicy: 'relay'`) become members of one room and exchange app messages, and the
 * data channel's selected candidate pair is a relayed one (getStats), with coturn's allocations as
 * a second witness.
 */
import { type Browser, expect, type Page, test } from '@playwright/test';
import { Coturn } from './support/coturn';
import { serverPerFile } from './support/per-file';

const files = serverPerFile();
let turn: Coturn | undefined;

test.beforeAll(async () => {
  turn = await Coturn.start();
});
test.afterAll(async () => {
  await turn?.stop();
});

declare global {
  interface Window {
    peerConnections?: RTCPeerConnection[];
    received?: unknown[];
  }
}

/** The harness page, recording every RTCPeerConnection it makes, joined with relay-only ICE. */
async function openRelayTab(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    window.peerConnections = [];
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        window.peerConnections!.push(this);
      }
    };
  });
  await page.goto(`${files.server.url}/harness/index.html`);
  await page.evaluate(
    ({ iceServer, name }) => {
      const room = window.shoal.joinRoom({
        signaling: location.origin,
        room: 'turn-room',
        metadata: { name } as Record<string, unknown>,
        iceServers: [iceServer],
        iceTransportPolicy: 'relay',
      });
      window.received = [];
      room.on('message', (m) => window.received!.push(m.data));
      window.room = room;
    },
    { iceServer: turn!.iceServer, name },
  );
  return page;
}

/** The candidate types of each connected peer connection's selected pair, local and remote. */
async function selectedPairTypes(page: Page): Promise<string[]> {
  return await page.evaluate(async () => {
    const out: string[] = [];
    for (const pc of window.peerConnections ?? []) {
      if (pc.connectionState !== 'connected') continue;
      const stats = await pc.getStats();
      const all = [...stats.values()] as Array<Record<string, unknown>>;
      const transport = all.find((s) => s.type === 'transport');
      const pair = all.find((s) => s.id === transport?.selectedCandidatePairId);
      const local = all.find((s) => s.id === pair?.localCandidateId);
      const remote = all.find((s) => s.id === pair?.remoteCandidateId);
      out.push(`${String(local?.candidateType)}/${String(remote?.candidateType)}`);
    }
    return out;
  });
}

test('two tabs with relay-only ICE meet through coturn and exchange app messages over the relay', async ({
  browser,
}) => {
  const a = await openRelayTab(browser, 'ada');
  const b = await openRelayTab(browser, 'bob');
  try {
    const count = (p: Page) => p.evaluate(() => window.room!.members().length);
    await expect.poll(() => count(a), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => count(b), { timeout: 30_000 }).toBe(2);

    await expect
      .poll(
        async () => {
          await a.evaluate(() => window.room!.broadcast({ hello: 'from ada' }));
          return await b.evaluate(() => window.received!.length);
        },
        { timeout: 15_000 },
      )
      .toBeGreaterThan(0);
    expect(await b.evaluate(() => window.received![0])).toEqual({ hello: 'from ada' });

    const pairs = [...(await selectedPairTypes(a)), ...(await selectedPairTypes(b))];
    console.log(`selected candidate pairs: ${pairs.join(', ')}; coturn allocations: ${turn!.allocations()}`);
    expect(pairs.length).toBeGreaterThan(0);
    for (const pair of pairs) expect(pair).toBe('relay/relay');
    expect(turn!.allocations()).toBeGreaterThan(0);
  } finally {
    await a.context().close();
    await b.context().close();
  }
});
