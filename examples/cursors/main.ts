// Live cursors with the vanilla API: names and colours as metadata, positions as ephemeral messages.
import { joinRoom } from 'shoal';

type Presence = { name: string; colour: string };
type Move = { x: number; y: number };

const params = new URLSearchParams(location.search);
const colours = ['#e4572e', '#17bebb', '#76b041', '#ffc914', '#7e52a0', '#2e86ab'];
const me: Presence = {
  name: params.get('name') ?? `guest-${Math.floor(Math.random() * 1000)}`,
  colour: colours[Math.floor(Math.random() * colours.length)]!,
};

const room = joinRoom<Presence>({
  signaling: params.get('signaling') ?? location.origin,
  room: params.get('room') ?? 'cursors',
  metadata: me,
});

const cursors = new Map<string, HTMLElement>();
const status = document.getElementById('status')!;

function cursorOf(id: string): HTMLElement {
  let el = cursors.get(id);
  if (el === undefined) {
    el = document.createElement('div');
    el.className = 'cursor';
    el.dataset.member = id;
    el.innerHTML = '<svg width="14" height="20"><path d="M0 0 L14 12 L6 12 L0 20 Z"/></svg><span></span>';
    document.body.append(el);
    cursors.set(id, el);
  }
  return el;
}

function paint(id: string, presence: Presence | undefined): void {
  const el = cursorOf(id);
  el.querySelector('span')!.textContent = presence?.name ?? id.slice(0, 6);
  el.querySelector('span')!.style.background = presence?.colour ?? '#888';
  el.querySelector('path')!.setAttribute('fill', presence?.colour ?? '#888');
}

function showStatus(): void {
  status.textContent = `${room.status} · ${room.members().length - 1} other(s) · you are ${me.name}`;
}

room.on('status', showStatus);
room.on('join', (m) => {
  paint(m.id, m.metadata);
  showStatus();
});
room.on('update', (m) => {
  if (!m.self) paint(m.id, m.metadata);
});
room.on('leave', (m) => {
  cursors.get(m.id)?.remove();
  cursors.delete(m.id);
  showStatus();
});
room.on('message', ({ from, data }) => {
  const { x, y } = data as Move;
  cursorOf(from).style.transform = `translate(${x}px, ${y}px)`;
});

// At most one position per animation frame: messages are unreliable, the next one replaces a lost one.
let pending: Move | undefined;
addEventListener('pointermove', (e) => {
  if (pending === undefined) {
    requestAnimationFrame(() => {
      room.broadcast(pending);
      pending = undefined;
    });
  }
  pending = { x: e.clientX, y: e.clientY };
});

// For the e2e test: the room on window.
Object.assign(window, { room });
