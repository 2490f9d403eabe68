/**
 * The demo page: joins `?room=NAME` (default `lobby`) on the server that served the page and shows the
 * membership live. Contract for tests and automation: every member shown is an element with
 * `data-member-id` and `data-state` (`alive` | `suspect` | `down`); our own also has `data-self`.
 */
import { joinRoom, type Room, type RoomMember, type RoomStatus } from 'shoal';
import {
  colourFor,
  defaultName,
  formatBytes,
  formatClock,
  formatDuration,
  safeColour,
  safeName,
  shortId,
} from './format';
import { type GraphNode, RoomGraph } from './graph';

interface DemoMetadata extends Record<string, unknown> {
  name: string;
  color: string;
}

interface Shown {
  member: RoomMember<DemoMetadata>;
  /** When it entered its current state (ms since the epoch). */
  stateSince: number;
  /** Set once it is down: when to start fading it out. */
  removeAt?: number;
}

/** Members that left stay visible for a while, marked down, then fade out. */
const DOWN_VISIBLE_MS = 20_000;
const FADE_MS = 1_500;
const CURSOR_INTERVAL_MS = 50;
const LINKS_INTERVAL_MS = 1_000;

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
  members: el<HTMLUListElement>('members'),
  memberCount: el('member-count'),
  counters: el('counters'),
  log: el<HTMLOListElement>('log'),
  cursors: el('cursors'),
  graph: new RoomGraph(el<HTMLElement>('graph') as unknown as SVGSVGElement),
};

ui.roomName.textContent = roomName;
ui.openTab.href = `${location.pathname}?room=${encodeURIComponent(roomName)}`;
document.title = `Shoal — ${roomName}`;

const shown = new Map<string, Shown>();
/** Other members' open links, as they last told us (app messages). */
const theirLinks = new Map<string, string[]>();
const cursors = new Map<string, { el: HTMLElement; at: number }>();
let room: Room<DemoMetadata> | undefined;
let unsubscribe: Array<() => void> = [];
let lastStats:
  | { at: number; packetsIn: number; packetsOut: number; bytesIn: number; bytesOut: number }
  | undefined;
let rates = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0 };

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

function nameOf(m: RoomMember<DemoMetadata> | undefined, id: string): string {
  return safeName(m?.metadata?.name, defaultName(id));
}

function track(member: RoomMember<DemoMetadata>): void {
  const prev = shown.get(member.id);
  const stateChanged = prev === undefined || prev.member.state !== member.state;
  const next: Shown = { member, stateSince: stateChanged ? Date.now() : (prev?.stateSince ?? Date.now()) };
  if (member.state === 'down') next.removeAt = prev?.removeAt ?? Date.now() + DOWN_VISIBLE_MS;
  shown.set(member.id, next);
}

function memberRow(s: Shown, now: number): HTMLLIElement {
  const m = s.member;
  const li = document.createElement('li');
  li.className = 'member';
  li.dataset.memberId = m.id;
  li.dataset.state = m.state;
  if (m.self) li.dataset.self = '';
  if (s.removeAt !== undefined && now >= s.removeAt) li.classList.add('fading');
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  swatch.style.background = safeColour(m.metadata?.color, colourFor(m.id));
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = nameOf(m, m.id);
  if (m.self) {
    const you = document.createElement('span');
    you.className = 'you';
    you.textContent = ' (you)';
    name.append(you);
  }
  const state = document.createElement('span');
  state.className = 'state';
  state.textContent = `${m.state} · ${formatDuration(now - s.stateSince)}`;
  const meta = document.createElement('span');
  meta.className = 'meta';
  meta.textContent = `${shortId(m.id)} · gen ${m.generation}`;
  li.append(swatch, name, state, meta);
  return li;
}

function edges(): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  if (room === undefined) return out;
  const self = room.self.id;
  for (const peer of openPeers()) out.push([self, peer]);
  for (const [from, peers] of theirLinks) {
    if (shown.get(from)?.member.state === 'down') continue;
    for (const peer of peers) out.push([from, peer]);
  }
  return out;
}

function openPeers(): string[] {
  return room?.connections() ?? [];
}

function render(): void {
  const now = Date.now();
  for (const [id, s] of shown) {
    if (s.removeAt !== undefined && now >= s.removeAt + FADE_MS) {
      shown.delete(id);
      theirLinks.delete(id);
    }
  }
  const list = [...shown.values()].sort((a, b) =>
    a.member.self ? -1 : b.member.self ? 1 : a.member.since - b.member.since,
  );
  ui.members.replaceChildren(...list.map((s) => memberRow(s, now)));
  const alive = list.filter((s) => s.member.state !== 'down').length;
  ui.memberCount.textContent = `(${alive})`;

  const nodes: GraphNode[] = list.map((s) => ({
    id: s.member.id,
    label: nameOf(s.member, s.member.id),
    colour: safeColour(s.member.metadata?.color, colourFor(s.member.id)),
    state: s.member.state,
    self: s.member.self,
  }));
  ui.graph.render(nodes, edges());

  if (room !== undefined) {
    const stats = room.stats();
    ui.selfIncarnation.textContent = String(stats.incarnation);
    ui.selfGeneration.textContent = String(stats.generation);
    const mesh = stats.mesh;
    const at = performance.now();
    if (lastStats !== undefined && at - lastStats.at >= 900) {
      const dt = (at - lastStats.at) / 1000;
      rates = {
        packetsIn: (mesh.packetsIn - lastStats.packetsIn) / dt,
        packetsOut: (mesh.packetsOut - lastStats.packetsOut) / dt,
        bytesIn: (mesh.bytesIn - lastStats.bytesIn) / dt,
        bytesOut: (mesh.bytesOut - lastStats.bytesOut) / dt,
      };
    }
    if (lastStats === undefined || at - lastStats.at >= 900) lastStats = { at, ...mesh };
    // [key for automation (data-counter), label, raw value, shown value]
    const rows: Array<[string, string, number, string]> = [
      ['packets-in-rate', 'packets in / s', rates.packetsIn, rates.packetsIn.toFixed(1)],
      ['packets-out-rate', 'packets out / s', rates.packetsOut, rates.packetsOut.toFixed(1)],
      ['bytes-in-rate', 'bytes in / s', rates.bytesIn, formatBytes(rates.bytesIn)],
      ['bytes-out-rate', 'bytes out / s', rates.bytesOut, formatBytes(rates.bytesOut)],
      ['open', 'connections open', mesh.open, String(mesh.open)],
      ['pending', 'connections pending', mesh.pending, String(mesh.pending)],
      ['signaled-via-mesh', 'signaled through the mesh', mesh.signaledViaMesh, String(mesh.signaledViaMesh)],
      [
        'signaled-via-server',
        'signaled through the server',
        mesh.signaledViaServer,
        String(mesh.signaledViaServer),
      ],
      ['loss-dropped', 'dropped by the loss slider', mesh.lossDropped, String(mesh.lossDropped)],
      ['spoofed-dropped', 'spoofed packets dropped', mesh.spoofedDropped, String(mesh.spoofedDropped)],
    ];
    ui.counters.replaceChildren(
      ...rows.flatMap(([key, label, raw, text]) => {
        const dt = document.createElement('dt');
        dt.textContent = label;
        const dd = document.createElement('dd');
        dd.dataset.counter = key;
        dd.dataset.value = String(raw);
        dd.textContent = text;
        return [dt, dd];
      }),
    );
  }
  for (const [id, c] of cursors) {
    if (now - c.at > 5_000 || shown.get(id)?.member.state === 'down') {
      c.el.remove();
      cursors.delete(id);
    }
  }
}

function setStatus(status: RoomStatus | 'left'): void {
  ui.status.textContent = status;
  ui.status.dataset.status = status;
}

function showCursor(from: string, x: number, y: number): void {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return;
  let c = cursors.get(from);
  if (c === undefined) {
    const node = document.createElement('div');
    node.className = 'cursor';
    const pointer = document.createElement('span');
    pointer.className = 'pointer';
    const label = document.createElement('span');
    label.className = 'label';
    node.append(pointer, label);
    ui.cursors.append(node);
    c = { el: node, at: 0 };
    cursors.set(from, c);
  }
  const m = shown.get(from)?.member;
  const colour = safeColour(m?.metadata?.color, colourFor(from));
  const [pointer, label] = [c.el.firstElementChild as HTMLElement, c.el.lastElementChild as HTMLElement];
  pointer.style.background = colour;
  label.style.background = colour;
  label.textContent = nameOf(m, from);
  c.el.style.left = `${Math.min(1, Math.max(0, x)) * window.innerWidth}px`;
  c.el.style.top = `${Math.min(1, Math.max(0, y)) * window.innerHeight}px`;
  c.at = Date.now();
}

function join(): void {
  const stored = loadProfile();
  const r = joinRoom<DemoMetadata>({ signaling: location.origin, room: roomName, metadata: stored });
  room = r;
  shown.clear();
  theirLinks.clear();
  ui.selfId.textContent = r.self.id;
  ui.name.value = stored.name;
  ui.color.value = stored.color;
  track(r.self);
  unsubscribe = [
    r.on('status', (s) => {
      setStatus(s);
      log('status', s);
    }),
    r.on('join', (m) => {
      track(m);
      log('join', `${nameOf(m, m.id)} (${shortId(m.id)})`);
    }),
    r.on('leave', (m) => {
      track(m);
      theirLinks.delete(m.id);
      log('leave', `${nameOf(m, m.id)} is ${m.state === 'down' ? 'down' : 'gone'}`);
    }),
    r.on('update', (m) => {
      const prev = shown.get(m.id)?.member;
      track(m);
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
      ui.graph.flash(r.self.id, p.peer, kind);
    }),
    r.on('message', (msg) => {
      const data = msg.data as { t?: unknown; x?: unknown; y?: unknown; peers?: unknown } | null;
      if (data === null || typeof data !== 'object') return;
      if (data.t === 'cursor' && typeof data.x === 'number' && typeof data.y === 'number') {
        showCursor(msg.from, data.x, data.y);
      } else if (data.t === 'links' && Array.isArray(data.peers)) {
        theirLinks.set(
          msg.from,
          data.peers
            .filter((p): p is string => typeof p === 'string' && /^[0-9a-f]{32}$/.test(p))
            .slice(0, 64),
        );
      }
    }),
    r.on('error', (e) => log('error', e.message)),
  ];
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
  for (const s of shown.values()) if (!s.member.self) shown.delete(s.member.id);
  ui.leave.textContent = 'Rejoin';
}

const PROFILE_KEY = 'shoal-demo:profile';

function loadProfile(): DemoMetadata {
  try {
    const v = JSON.parse(localStorage.getItem(PROFILE_KEY) ?? 'null') as Partial<DemoMetadata> | null;
    if (v !== null && typeof v.name === 'string' && typeof v.color === 'string') {
      return { name: safeName(v.name, 'Guest'), color: safeColour(v.color, '#1f6feb') };
    }
  } catch {
    // A corrupt or blocked store just means a fresh profile.
  }
  const hue = Math.floor(Math.random() * 360);
  return { name: defaultName(Math.random().toString(16).slice(2)), color: hslToHex(hue, 0.65, 0.5) };
}

function saveProfile(p: DemoMetadata): void {
  try {
    localStorage.setItem(PROFILE_KEY, JSON.stringify(p));
  } catch {
    // Best effort.
  }
}

function hslToHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(255 * c)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

function updateProfile(): void {
  const profile = { name: safeName(ui.name.value, 'Guest'), color: safeColour(ui.color.value, '#1f6feb') };
  saveProfile(profile);
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
  room?.broadcast({ t: 'links', peers: openPeers() });
}, LINKS_INTERVAL_MS);
setInterval(render, 250);

join();
render();
