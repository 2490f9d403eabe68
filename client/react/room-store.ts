import type { Metadata, Room, RoomMember, RoomStatus } from '../index';

/** What the hooks read: one immutable snapshot, replaced whenever the room changes. */
export interface RoomSnapshot<M extends Metadata = Metadata> {
  /** Everyone alive or suspect, us first. */
  readonly members: readonly RoomMember<M>[];
  /** Everyone but us. */
  readonly others: readonly RoomMember<M>[];
  readonly self: RoomMember<M> | undefined;
  readonly status: RoomStatus;
}

/** Before the room exists (first render, server-side rendering): nobody, connecting. */
export const EMPTY_SNAPSHOT: RoomSnapshot<never> = Object.freeze({
  members: [],
  others: [],
  self: undefined,
  status: 'connecting',
});

/**
 * A room as an external store for `useSyncExternalStore`: it listens to membership, metadata and
 * status events and keeps one cached snapshot, so every hook of a render reads the same state and a
 * render happens only when something changed.
 */
export class RoomStore<M extends Metadata = Metadata> {
  readonly room: Room<M>;
  #snapshot: RoomSnapshot<M>;
  readonly #listeners = new Set<() => void>();
  #detach: (() => void) | undefined;

  constructor(room: Room<M>) {
    this.room = room;
    this.#snapshot = this.#read();
  }

  /** Subscribes a React listener; the room's events are watched while anyone listens. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    if (this.#detach === undefined) this.#attach();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#detach?.();
        this.#detach = undefined;
      }
    };
  };

  readonly getSnapshot = (): RoomSnapshot<M> => this.#snapshot;

  #attach(): void {
    const changed = () => {
      this.#snapshot = this.#read();
      for (const listener of [...this.#listeners]) listener();
    };
    const offs = (['join', 'leave', 'update', 'status'] as const).map((event) =>
      this.room.on(event, changed),
    );
    this.#detach = () => {
      for (const off of offs) off();
    };
    // Events between the snapshot taken at creation and this subscription would otherwise be missed.
    changed();
  }

  #read(): RoomSnapshot<M> {
    const status = this.room.status;
    // A room that has left has nobody in it, and `members()` would be stale.
    if (status === 'lost') return { members: [], others: [], self: undefined, status };
    const members = this.room.members();
    return { members, others: members.filter((m) => !m.self), self: members[0], status };
  }
}
