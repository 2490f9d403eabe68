/**
 * The Shoal half of the browser benchmark: each tab joins one room through the public API with its
 * bench id as metadata. "Sees member X" means X is in `room.members()` (alive or suspect) with its
 * metadata; a member reported Down or gone is no longer seen.
 */
import { joinRoom } from '../../../client/index';
import { fail, readParams, recordListed, recordMilestone, startLog } from './presence-log';

try {
  const { signaling, room: roomName, id, n } = readParams();
  const record = startLog('shoal', id, n);
  // `ae=0`: the bench's variant with anti-entropy off (`--anti-entropy`), measured beside the default.
  const query = new URLSearchParams(location.search);
  const antiEntropy = query.get('ae') !== '0';
  // `signed=1` / `signed=0`: signed statements on or off (`--signed`, `--unsigned`); absent, the default.
  const signed = query.get('signed');
  const room = joinRoom({
    signaling,
    room: roomName,
    metadata: { id },
    expectedSize: n,
    antiEntropy,
    ...(signed === null ? {} : { signedStatements: signed === '1' }),
  });
  const visibleIds = (): string[] => {
    const ids: string[] = [];
    for (const m of room.members()) {
      const member = m.metadata?.id;
      if (m.state !== 'down' && typeof member === 'string') ids.push(member);
    }
    return ids;
  };
  const refresh = () => {
    recordListed(room.members().filter((m) => m.state !== 'down').length);
    record(visibleIds());
  };
  room.on('join', refresh);
  room.on('leave', refresh);
  room.on('update', refresh);
  room.on('error', (e) => fail(e));
  room.on('status', (status) => {
    if (status === 'connected') recordMilestone('connected');
  });
} catch (e) {
  fail(e);
}
