/**
 * The demo page: joins `?room=NAME` (default `lobby`) on the server that served the page and shows the
 * membership live (the DOM contract is in member-list.ts). It redraws only when something changed —
 * an event of the room, batched — plus once a second for the clocks and rates, and not at all while
 * hidden, so an idle room costs the tab next to nothing.
 */
import { joinRoom, type Room, type RoomStatus } from 'shoal';
import { CountersPanel } from './counters';
import { Cursors } from './cursors';
import { formatClock, setText, shortId } from './format';
import { type GraphNode, RoomGraph } from './graph';
import { colourOf, MemberList, nameOf } from './member-list';
import { type DemoMetadata, loadProfile, saveProfile } from './profile';

const CURSOR_INTERVAL_MS = 50;
/**
 * Our links go to the others when they change and when someone joins, and again this often in case
 * one such message was lost (app messages are not retransmitted). Every 5 s it was a fifth more
 * data-channel sends than the library's own in a quiet room of 8, and a redraw in every tab for each.
 */
const LINKS_REFRESH_MS = 30_000;
/** Changes within this long are drawn together. */
const RENDER_BATCH_MS = 100;
/** The slow redraw for durations ("alive · 12 s") and traffic rates. */
const TICK_MS = 1_000;
const MEMBER_ID = /^[0-9a-f]{32}$/;

const params = new URLSearchParams(location.search);
const roomName = params.get('room') || 'lobby';

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`demo page is missing #${id}`);
  return found as T;
}

const ui = {
  roomName: el('room-name'),
  status: el('status'),
  selfId: el('self-id'),
  selfGeneration: el('self-generation'),
  selfIncarnation: el('self-incarnation'),
  name: el<HTMLInputElement>('meta-name'),
  color: el<HTMLInputElement>('meta-color'),
  leave: el<HTMLButtonElement>('leave-btn'),
  openTab: el<HTMLAnchorElement>('open-tab'),
  loss: el<HTMLInputElement>('loss'),
  lossValue: el<HTMLOutputElement>('loss-value'),
  hangSeconds: el<HTMLInputElement>('hang-seconds'),
  hang: el<HTMLButtonElement>('hang-btn'),
  hangOverlay: el('hang-overlay'),
  memberCount: el('member-count'),
  log: el<HTMLOListElement>('log'),
};
const members = new MemberList(el<HTMLUListElement>('members'));
const counters = new CountersPanel(el('counters'));
const cursors = new Cursors(el('cursors'));
const graph = new RoomGraph(el<HTMLElement>('graph') as unknown as SVGSVGElement);

ui.roomName.textContent = roomName;
ui.openTab.href = `${location.pathname}?room=${encodeURIComponent(roomName)}`;
document.title = `Shoal — ${roomName}`;

/** Other members' open links, as they last told us (app messages). */
const theirLinks = new Map<string, string[]>();
let room: Room<DemoMetadata> | undefined;
let unsubscribe: Array<() => void> = [];
let renderPending: ReturnType<typeof setTimeout> | undefined;

function log(kind: string, text: string): void {
  const li = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = formatClock(Date.now());
  const k = document.createElement('span');
  k.className = 'kind';
  k.textContent = kind;
  const t = document.createElement('span');
  t.textContent = text;
  li.append(time, k, t);
  ui.log.prepend(li);
  while (ui.log.childElementCount > 200) ui.log.lastElementChild?.remove();
}

function openPeers(): string[] {
  return room?.connections() ?? [];
}

function edges(): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  if (room === undefined) return out;
  const self = room.self.id;
  for (const peer of openPeers()) out.push([self, peer]);
  for (const [from, peers] of theirLinks) {
    if (members.isDown(from)) continue;
    for (const peer of peers) out.push([from, peer]);
  }
  return out;
}

/** Draws what changed within the next batch window (one redraw for a burst of events). */
function scheduleRender(): void {
  renderPending ??= setTimeout(render, RENDER_BATCH_MS);
}

function render(): void {
  if (renderPending !== undefined) clearTimeout(renderPending);
  renderPending = undefined;
  // A hidden tab draws nothing anyone sees: what changed meanwhile is drawn once it is shown again.
  if (document.hidden) return;
  const now = Date.now();
  const { ordered, gone } = members.render(now);
  for (const id of gone) theirLinks.delete(id);
  setText(ui.memberCount, `(${ordered.filter((m) => m.state !== 'down').length})`);
  const nodes: GraphNode[] = ordered.map((m) => ({
    id: m.id,
    label: nameOf(m, m.id),
    colour: colourOf(m, m.id),
    state: m.state,
    self: m.self,
  }));
  graph.render(nodes, edges());
  if (room !== undefined) {
    const stats = room.stats();
    setText(ui.selfIncarnation, String(stats.incarnation));
    setText(ui.selfGeneration, String(stats.generation));
    counters.render(stats.mesh, performance.now());
  }
  cursors.prune(now, (id) => members.isDown(id));
}

function setStatus(status: RoomStatus | 'left'): void {
  ui.status.textContent = status;
  ui.status.dataset.status = status;
}

let linksSent = '';
let linksSentAt = 0;
let linksSoon: ReturnType<typeof setTimeout> | undefined;

/** Tells the others our open links when they changed (or for late joiners, now and then). */
function shareLinks(force = false): void {
  if (room === undefined) return;
  const peers = openPeers().sort();
  const key = peers.join(',');
  const now = performance.now();
  if (!force && key === linksSent && now - linksSentAt < LINKS_REFRESH_MS) return;
  linksSent = key;
  linksSentAt = now;
  room.broadcast({ t: 'links', peers });
}

function join(): void {
  const stored = loadProfile();
  const r = joinRoom<DemoMetadata>({ signaling: location.origin, room: roomName, metadata: stored });
  room = r;
  members.clear();
  theirLinks.clear();
  linksSent = '';
  ui.selfId.textContent = r.self.id;
  ui.name.value = stored.name;
  ui.color.value = stored.color;
  members.track(r.self, Date.now());
  unsubscribe = [
    r.on('status', (s) => {
      setStatus(s);
      log('status', s);
    }),
    r.on('join', (m) => {
      members.track(m, Date.now());
      log('join', `${nameOf(m, m.id)} (${shortId(m.id)})`);
      // A newcomer should draw our links without waiting for the refresh (one message for a burst
      // of joins: a room of 16 forming sent each tab's links 15 times over).
      if (linksSoon === undefined) {
        linksSoon = setTimeout(() => {
          linksSoon = undefined;
          shareLinks(true);
        }, RENDER_BATCH_MS);
      }
    }),
    r.on('leave', (m) => {
      members.track(m, Date.now());
      theirLinks.delete(m.id);
      log('leave', `${nameOf(m, m.id)} is ${m.state === 'down' ? 'down' : 'gone'}`);
    }),
    r.on('update', (m) => {
      const prev = members.get(m.id);
      members.track(m, Date.now());
      if (prev !== undefined && prev.state !== m.state) {
        log(m.state === 'suspect' ? 'suspicion' : 'refuted', `${nameOf(m, m.id)} is ${m.state}`);
      }
    }),
    r.on('notification', (n) => {
      if (n.type === 'rename')
        log('rename', `${shortId(n.old.addr)} gen ${n.old.generation} → ${n.new.generation}`);
      else if (n.type === 'rejoin') log('rejoin', `we rejoined as generation ${n.id.generation}`);
      else if (n.type === 'defunct') log('defunct', 'we were declared down and cannot rejoin');
      else if (n.type === 'idle') log('idle', 'we know no other member');
      else if (n.type === 'active') log('active', 'we are part of the cluster');
    }),
    r.on('packet', (p) => {
      const kind = p.type === 'gossip' || p.type === 'broadcast' || p.type === 'feed' ? 'gossip' : 'probe';
      graph.flash(r.self.id, p.peer, kind);
    }),
    r.on('message', (msg) => {
      const data = msg.data as { t?: unknown; x?: unknown; y?: unknown; peers?: unknown } | null;
      if (data === null || typeof data !== 'object') return;
      if (data.t === 'cursor' && typeof data.x === 'number' && typeof data.y === 'number') {
        cursors.show(msg.from, members.get(msg.from), data.x, data.y, Date.now());
      } else if (data.t === 'links' && Array.isArray(data.peers)) {
        const peers = data.peers.filter((p): p is string => typeof p === 'string' && MEMBER_ID.test(p));
        const next = peers.slice(0, 64);
        // A refresh that changes nothing needs no redraw.
        if (theirLinks.get(msg.from)?.join() !== next.join()) scheduleRender();
        theirLinks.set(msg.from, next);
      }
    }),
    r.on('error', (e) => log('error', e.message)),
  ];
  for (const event of ['status', 'join', 'leave', 'update'] as const) {
    unsubscribe.push(r.on(event, scheduleRender));
  }
  // Every packet is a notification too (data-sent, data-received): redrawing for those redrew the
  // whole page ten times a second in a quiet room. The packets have their own light flash.
  unsubscribe.push(
    r.on('notification', (n) => {
      if (n.type !== 'data-sent' && n.type !== 'data-received') scheduleRender();
    }),
  );
  ui.leave.textContent = 'Leave';
}

async function leave(): Promise<void> {
  const r = room;
  if (r === undefined) return;
  room = undefined;
  for (const off of unsubscribe) off();
  unsubscribe = [];
  await r.leave();
  setStatus('left');
  log('left', 'this tab left the room');
  members.clear(true);
  ui.leave.textContent = 'Rejoin';
  scheduleRender();
}

function updateProfile(): void {
  const profile = saveProfile(ui.name.value, ui.color.value);
  try {
    room?.setMetadata(profile);
  } catch (e) {
    log('error', e instanceof Error ? e.message : String(e));
  }
}

ui.name.addEventListener('input', updateProfile);
ui.color.addEventListener('input', updateProfile);
el('meta-form').addEventListener('submit', (e) => e.preventDefault());
ui.leave.addEventListener('click', () => {
  if (room === undefined) join();
  else void leave();
});
ui.loss.addEventListener('input', () => {
  const pct = Number(ui.loss.value);
  ui.lossValue.textContent = `${pct} %`;
  room?.setLoss(pct / 100);
  log('loss', `this tab now drops ${pct} % of its packets`);
});
ui.hang.addEventListener('click', () => {
  const seconds = Math.min(60, Math.max(1, Number(ui.hangSeconds.value) || 5));
  log('hang', `this tab hangs for ${seconds} s`);
  ui.hangOverlay.hidden = false;
  ui.hangOverlay.textContent = `Hanging for ${seconds} s…`;
  // Two frames so the overlay is painted before the main thread stops, as a busy or frozen tab would.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      const until = performance.now() + seconds * 1000;
      while (performance.now() < until) {
        // A real hang: no timers, no message handlers, no rendering.
      }
      ui.hangOverlay.hidden = true;
      log('resume', 'this tab runs again');
    }),
  );
});

let lastCursor = 0;
window.addEventListener('pointermove', (e) => {
  const now = performance.now();
  if (room === undefined || now - lastCursor < CURSOR_INTERVAL_MS) return;
  lastCursor = now;
  room.broadcast({ t: 'cursor', x: e.clientX / window.innerWidth, y: e.clientY / window.innerHeight });
});

setInterval(() => {
  shareLinks();
  render();
}, TICK_MS);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) render();
});

join();
render();
