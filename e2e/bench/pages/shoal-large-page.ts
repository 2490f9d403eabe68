/**
 * The large-room bench page: one page hosts `m` members of one room, each a room of its own through
 * the public API (its own mesh, links, core and signaling connection), as `m` users would. The bench
 * reads `window.__large` for what each member sees, when, and the links it holds and ever created.
 */
import { joinRoom, type Room } from '../../../client/index';
import { pageNow } from './presence-log';

/** What one member of the page reports. */
export interface LargeMemberState {
  readonly id: string;
  /** Ids visible now (alive or suspect, metadata arrived), this member included. */
  visible: number;
  /** Ids held alive or suspect now, metadata or not, this member included. */
  known: number;
  /** The first time `expected` members were visible; null until then. */
  allSeenAt: number | null;
  /** Member id → when it last stopped being visible (left or Down). */
  readonly goneAt: Record<string, number>;
  /** Every id this member saw leave, in order, with when. */
  readonly leaves: { id: string; at: number }[];
  /** Links open over WebRTC: what the budget (`maxConnections`) bounds. */
  openLinks: number;
  /** Links open over BroadcastChannel to members of this page (no budget: nothing a page runs out of). */
  sameBrowserLinks: number;
  linksCreated: number;
  signalsViaServer: number;
  signalsRouted: number;
  signalsFlooded: number;
  signalsDirect: number;
  /** Link attempts now: negotiating, backing off; refused by our budget, spare links given up. */
  pendingLinks: number;
  backingOff: number;
  refused: number;
  yielded: number;
  /** Failed link attempts by the reason the mesh logged (`mesh: attempt failed…`), reason → count. */
  readonly failures: Record<string, number>;
}

export interface LargePageState {
  readonly page: number;
  readonly expected: number;
  readonly startedAt: number;
  readonly members: LargeMemberState[];
  error: string | null;
}

declare global {
  interface Window {
    __large?: LargePageState;
    __largeRooms?: Room[];
  }
}

const q = new URLSearchParams(location.search);
const signaling = q.get('signaling') ?? '';
const roomName = q.get('room') ?? '';
const page = Number(q.get('page'));
const perPage = Number(q.get('m'));
const expected = Number(q.get('n'));
const maxConnections = q.get('max') === null ? undefined : Number(q.get('max'));
const state: LargePageState = { page, expected, startedAt: pageNow(), members: [], error: null };
window.__large = state;
window.__largeRooms = [];

try {
  for (let i = 0; i < perPage; i++) {
    const id = `p${page}m${i}`;
    const failures: Record<string, number> = {};
    const tally = (message: string, fields?: Record<string, unknown>) => {
      if (!message.startsWith('mesh: attempt failed')) return;
      // By kind (offer, request, answer) and reason, the reason cut short (it may end in an error message).
      const reason = `${String(fields?.kind ?? '?')} ${String(fields?.reason ?? '?').slice(0, 50)}`;
      failures[reason] = (failures[reason] ?? 0) + 1;
    };
    const room = joinRoom({
      signaling,
      room: roomName,
      metadata: { id },
      logger: { debug: tally, info: tally, warn: tally, error: tally },
      expectedSize: expected,
      storage: null,
      ...(maxConnections === undefined ? {} : { maxConnections }),
    });
    window.__largeRooms.push(room as unknown as Room);
    const me: LargeMemberState = {
      id,
      visible: 0,
      known: 0,
      allSeenAt: null,
      goneAt: {},
      leaves: [],
      openLinks: 0,
      sameBrowserLinks: 0,
      linksCreated: 0,
      signalsViaServer: 0,
      signalsRouted: 0,
      signalsFlooded: 0,
      signalsDirect: 0,
      pendingLinks: 0,
      backingOff: 0,
      refused: 0,
      yielded: 0,
      failures,
    };
    state.members.push(me);
    const refresh = () => {
      let visible = 0;
      let known = 0;
      // room.members() lists this member too (`self`), so each member counts itself once.
      for (const m of room.members()) {
        if (m.state === 'down') continue;
        known++;
        if (typeof m.metadata?.id === 'string') visible++;
      }
      me.visible = visible;
      me.known = known;
      if (me.allSeenAt === null && visible >= expected) me.allSeenAt = pageNow();
    };
    room.on('join', refresh);
    room.on('update', refresh);
    room.on('leave', (m) => {
      const gone = typeof m.metadata?.id === 'string' ? m.metadata.id : m.id;
      const at = pageNow();
      me.goneAt[gone] = at;
      me.leaves.push({ id: gone, at });
      refresh();
    });
    room.on('error', (e) => {
      state.error ??= e instanceof Error ? e.message : String(e);
    });
    // Links are read once a second: cheap, and the bench polls slower than that.
    setInterval(() => {
      // A same-browser mesh (members of this page) adds its BroadcastChannel links to `open`.
      const s: ReturnType<Room['stats']>['mesh'] & { sameBrowserOpen?: number } = room.stats().mesh;
      me.sameBrowserLinks = s.sameBrowserOpen ?? 0;
      me.openLinks = s.open - me.sameBrowserLinks;
      me.linksCreated = s.linksCreated;
      me.signalsViaServer = s.signalsViaServer;
      me.signalsRouted = s.signalsRouted;
      me.signalsFlooded = s.signalsFlooded;
      me.signalsDirect = s.signalsDirect;
      me.pendingLinks = s.pending;
      me.backingOff = s.backingOff;
      me.refused = s.refused;
      me.yielded = s.yielded;
    }, 1_000);
  }
} catch (e) {
  state.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
