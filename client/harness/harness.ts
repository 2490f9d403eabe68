/**
 * The e2e harness page: exposes the library on `window` and, given `?room=`, joins at once and logs
 * every event with its wall time, so tests can read outcomes with `page.evaluate`.
 */
import { joinRoom, type Metadata, type Room, type RoomMember } from 'shoal';

interface LoggedMember {
  readonly id: string;
  readonly generation: number;
  readonly state: string;
  readonly metadata: unknown;
  readonly at: number;
}

/** What the page saw, JSON-friendly. */
export interface ShoalLog {
  joins: LoggedMember[];
  leaves: LoggedMember[];
  updates: LoggedMember[];
  statuses: Array<{ status: string; at: number }>;
  notifications: Array<{
    type: string;
    addr?: string;
    oldGeneration?: number;
    newGeneration?: number;
    at: number;
  }>;
  messages: Array<{ from: string; data: unknown; at: number }>;
  errors: string[];
}

declare global {
  interface Window {
    shoal: { joinRoom: typeof joinRoom };
    room?: Room;
    shoalLog?: ShoalLog;
  }
}

window.shoal = { joinRoom };

const params = new URLSearchParams(location.search);
const roomName = params.get('room');
if (roomName !== null) {
  const log: ShoalLog = {
    joins: [],
    leaves: [],
    updates: [],
    statuses: [],
    notifications: [],
    messages: [],
    errors: [],
  };
  const logged = (m: RoomMember): LoggedMember => ({
    id: m.id,
    generation: m.generation,
    state: m.state,
    metadata: m.metadata,
    at: Date.now(),
  });
  const room = joinRoom<Metadata>({
    // A comma-separated list for several servers (instances behind Redis).
    signaling: params.get('signaling')?.split(',') ?? location.origin,
    room: roomName,
    metadata: { name: params.get('name') ?? 'anonymous' },
    // `sameBrowser=0`: tabs of this browser link over WebRTC too, as tabs of different browsers do.
    ...(params.get('sameBrowser') === '0' ? { sameBrowser: false } : {}),
  });
  room.on('join', (m) => log.joins.push(logged(m)));
  room.on('leave', (m) => log.leaves.push(logged(m)));
  room.on('update', (m) => log.updates.push(logged(m)));
  room.on('status', (status) => log.statuses.push({ status, at: Date.now() }));
  room.on('message', (m) => log.messages.push({ from: m.from, data: m.data, at: Date.now() }));
  room.on('error', (e) => log.errors.push(`${e.name}: ${e.message}`));
  room.on('notification', (n) => {
    const at = Date.now();
    switch (n.type) {
      case 'member-up':
      case 'member-down':
      case 'rejoin':
        log.notifications.push({ type: n.type, addr: n.id.addr, newGeneration: n.id.generation, at });
        return;
      case 'rename':
        log.notifications.push({
          type: n.type,
          addr: n.new.addr,
          oldGeneration: n.old.generation,
          newGeneration: n.new.generation,
          at,
        });
        return;
      case 'data-sent':
      case 'data-received':
        return;
      default:
        log.notifications.push({ type: n.type, at });
    }
  });
  const view = document.getElementById('members');
  const render = () => {
    if (view === null) return;
    view.textContent = room
      .members()
      .map(
        (m) =>
          `${m.self ? '*' : ' '} ${m.id.slice(0, 8)}#${m.generation} ${m.state} ${JSON.stringify(m.metadata)}`,
      )
      .join('\n');
  };
  for (const e of ['join', 'leave', 'update'] as const) room.on(e, render);
  window.room = room;
  window.shoalLog = log;
}
