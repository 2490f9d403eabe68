/**
 * The Shoal half of the browser benchmark: each tab joins one room through the public API with its
 * bench id as metadata. "Sees member X" means X is in `room.members()` (alive or suspect) with its
 * metadata; a member reported Down or gone is no longer seen.
 */
import { joinRoom } from '../../../client/index';
import { fail, pageNow, readParams, recordListed, recordMilestone, startLog } from './presence-log';

declare global {
  interface Window {
    /** `trace=1`: the library's log lines, each with its time on the page's clock (`trace-forming.ts`). */
    __trace?: [number, string, Record<string, unknown> | undefined][];
  }
}

try {
  const { signaling, room: roomName, id, n } = readParams();
  const record = startLog('shoal', id, n);
  // `ae=0`: the bench's variant with anti-entropy off (`--anti-entropy`), measured beside the default.
  const query = new URLSearchParams(location.search);
  const antiEntropy = query.get('ae') !== '0';
  // `signed=1` / `signed=0`: signed statements on or off (`--signed`, `--unsigned`); absent, the default.
  const signed = query.get('signed');
  // `trace=1`: keep every log line with its time, to see where the forming time goes.
  const trace: NonNullable<Window['__trace']> = [];
  const line = (message: string, fields?: Record<string, unknown>) =>
    trace.push([pageNow(), message, fields]);
  const logger = { debug: line, info: line, warn: line, error: line };
  if (query.get('trace') === '1') window.__trace = trace;
  const room = joinRoom({
    signaling,
    room: roomName,
    metadata: { id },
    expectedSize: n,
    antiEntropy,
    ...(signed === null ? {} : { signedStatements: signed === '1' }),
    ...(query.get('trace') === '1' ? { logger } : {}),
  });
  line('joinRoom returned');
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
  if (query.get('trace') === '1') {
    room.on('join', (m) => line('page: join', { addr: m.id, metadata: m.metadata !== undefined }));
    room.on('update', (m) => line('page: update', { addr: m.id, metadata: m.metadata !== undefined }));
  }
  room.on('leave', refresh);
  room.on('update', refresh);
  room.on('error', (e) => fail(e));
  room.on('status', (status) => {
    if (status === 'connected') recordMilestone('connected');
  });
} catch (e) {
  fail(e);
}
