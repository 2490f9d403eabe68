/**
 * The y-webrtc half of the browser benchmark: one Yjs document per tab shared in one room, presence
 * through awareness. "Sees member X" means X's awareness state is in this tab's awareness map.
 */
import { WebrtcProvider } from 'y-webrtc';
import * as Y from 'yjs';
import { fail, readParams, startLog } from './presence-log';

try {
  const { signaling, room, id, n } = readParams();
  const record = startLog('y-webrtc', id, n);
  const doc = new Y.Doc();
  const provider = new WebrtcProvider(room, doc, {
    signaling: [signaling],
    // Same footing as Shoal's default: no STUN/TURN (loopback needs none, and there is no internet here).
    peerOpts: { config: { iceServers: [] } },
  });
  const awareness = provider.awareness;
  const visibleIds = (): string[] => {
    const ids: string[] = [];
    for (const state of awareness.getStates().values()) {
      const member = (state as { id?: unknown }).id;
      if (typeof member === 'string') ids.push(member);
    }
    return ids;
  };
  awareness.on('change', () => record(visibleIds()));
  awareness.setLocalState({ id });
} catch (e) {
  fail(e);
}
