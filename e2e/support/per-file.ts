import { test } from '@playwright/test';
import { type SignalingProcess, startSignaling } from './signaling';
import { closeAll, type Tab } from './tabs';

/**
 * One signaling server for the spec file that calls this (at its top level): started before its
 * tests; after them, the tabs pushed to `opened` are closed and the server is stopped.
 */
export function serverPerFile(): { readonly server: SignalingProcess; readonly opened: Tab[] } {
  let server: SignalingProcess | undefined;
  const opened: Tab[] = [];
  test.beforeAll(async () => {
    server = await startSignaling();
  });
  test.afterAll(async () => {
    await closeAll(opened);
    await server?.stop();
  });
  return {
    get server(): SignalingProcess {
      if (server === undefined) throw new Error('the signaling server is used outside a test');
      return server;
    },
    opened,
  };
}
