/**
 * The members as the page shows them: each with the moment it entered its state, and those that left
 * kept for a while (marked down), then faded out. Contract for tests and automation: every member shown
 * is an element with `data-member-id` and `data-state` (`alive` | `suspect` | `down`); our own also has
 * `data-self`.
 */
import type { RoomMember } from 'shoal';
import { colourFor, defaultName, formatDuration, safeColour, safeName, shortId } from './format';
import type { DemoMetadata } from './profile';

export type DemoMember = RoomMember<DemoMetadata>;

export interface Shown {
  readonly member: DemoMember;
  /** When it entered its current state (ms since the epoch). */
  readonly stateSince: number;
  /** Set once it is down: when to start fading it out. */
  readonly removeAt?: number;
}

/** Members that left stay visible for a while, marked down, then fade out. */
const DOWN_VISIBLE_MS = 20_000;
const FADE_MS = 1_500;

export function nameOf(m: DemoMember | undefined, id: string): string {
  return safeName(m?.metadata?.name, defaultName(id));
}

export function colourOf(m: DemoMember | undefined, id: string): string {
  return safeColour(m?.metadata?.color, colourFor(id));
}

export class MemberList {
  private readonly shown = new Map<string, Shown>();

  constructor(private readonly list: HTMLElement) {}

  get(id: string): DemoMember | undefined {
    return this.shown.get(id)?.member;
  }

  isDown(id: string): boolean {
    return this.shown.get(id)?.member.state === 'down';
  }

  /** Records what we now know of `member` (its state clock restarts only when its state changed). */
  track(member: DemoMember, now: number): void {
    const prev = this.shown.get(member.id);
    const stateChanged = prev === undefined || prev.member.state !== member.state;
    const stateSince = stateChanged ? now : (prev?.stateSince ?? now);
    const removeAt = member.state === 'down' ? (prev?.removeAt ?? now + DOWN_VISIBLE_MS) : undefined;
    this.shown.set(
      member.id,
      removeAt === undefined ? { member, stateSince } : { member, stateSince, removeAt },
    );
  }

  /** Forgets everyone (or everyone but us). */
  clear(keepSelf = false): void {
    for (const [id, s] of this.shown) if (!keepSelf || !s.member.self) this.shown.delete(id);
  }

  /** Drops members whose fade ended; returns their ids. Then draws the list, us first, then by arrival. */
  render(now: number): { readonly ordered: readonly DemoMember[]; readonly gone: readonly string[] } {
    const gone: string[] = [];
    for (const [id, s] of this.shown) {
      if (s.removeAt !== undefined && now >= s.removeAt + FADE_MS) {
        this.shown.delete(id);
        gone.push(id);
      }
    }
    const list = [...this.shown.values()].sort((a, b) =>
      a.member.self ? -1 : b.member.self ? 1 : a.member.since - b.member.since,
    );
    this.list.replaceChildren(...list.map((s) => memberRow(s, now)));
    return { ordered: list.map((s) => s.member), gone };
  }
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
  swatch.style.background = colourOf(m, m.id);
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
