/**
 * The members as the page shows them: each with the moment it entered its state, and those that left
 * kept for a while (marked down), then faded out. Contract for tests and automation: every member shown
 * is an element with `data-member-id` and `data-state` (`alive` | `suspect` | `down`); our own also has
 * `data-self`.
 */
import type { RoomMember } from 'shoal';
import { colourFor, defaultName, formatDuration, safeColour, safeName, setText, shortId } from './format';
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
  /** The drawn rows, by member id: kept and updated in place. */
  private readonly rows = new Map<string, Row>();

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

  /**
   * Drops members whose fade ended; returns their ids. Then draws the list, us first, then by arrival,
   * touching only what changed: the once-a-second redraw of a quiet room is then a few text nodes,
   * not a new list (a new list is a style pass, a layout and a repaint of the whole card).
   */
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
    for (const [id, row] of this.rows) {
      if (this.shown.has(id)) continue;
      row.li.remove();
      this.rows.delete(id);
    }
    let previous: Element | null = null;
    for (const s of list) {
      let row = this.rows.get(s.member.id);
      if (row === undefined) {
        row = memberRow(s.member.id);
        this.rows.set(s.member.id, row);
      }
      fillRow(row, s, now);
      const at: Element | null =
        previous === null ? this.list.firstElementChild : previous.nextElementSibling;
      if (at !== row.li) {
        if (previous === null) this.list.prepend(row.li);
        else previous.after(row.li);
      }
      previous = row.li;
    }
    return { ordered: list.map((s) => s.member), gone };
  }
}

/** One member's row and the parts of it that change. */
interface Row {
  readonly li: HTMLLIElement;
  readonly swatch: HTMLSpanElement;
  readonly name: Text;
  readonly you: HTMLSpanElement;
  readonly state: HTMLSpanElement;
  readonly meta: HTMLSpanElement;
}

function memberRow(id: string): Row {
  const li = document.createElement('li');
  li.className = 'member';
  li.dataset.memberId = id;
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  const nameEl = document.createElement('span');
  nameEl.className = 'name';
  const name = document.createTextNode('');
  const you = document.createElement('span');
  you.className = 'you';
  nameEl.append(name, you);
  const state = document.createElement('span');
  state.className = 'state';
  const meta = document.createElement('span');
  meta.className = 'meta';
  li.append(swatch, nameEl, state, meta);
  return { li, swatch, name, you, state, meta };
}

/** Writes what changed into a row (an unchanged write would still cost a style pass). */
function fillRow(row: Row, s: Shown, now: number): void {
  const m = s.member;
  const { li } = row;
  if (li.dataset.state !== m.state) li.dataset.state = m.state;
  if (m.self !== (li.dataset.self !== undefined)) {
    if (m.self) li.dataset.self = '';
    else delete li.dataset.self;
  }
  const fading = s.removeAt !== undefined && now >= s.removeAt;
  if (li.classList.contains('fading') !== fading) li.classList.toggle('fading', fading);
  const colour = colourOf(m, m.id);
  if (row.swatch.dataset.colour !== colour) {
    row.swatch.dataset.colour = colour;
    row.swatch.style.background = colour;
  }
  setText(row.name, nameOf(m, m.id));
  setText(row.you, m.self ? ' (you)' : '');
  setText(row.state, `${m.state} · ${formatDuration(now - s.stateSince)}`);
  setText(row.meta, `${shortId(m.id)} · gen ${m.generation}`);
}
