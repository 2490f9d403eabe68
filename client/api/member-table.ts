import type { BrowserIdentity, Member } from '../../shared/swim/index';
import type { Metadata, MetadataStore } from './metadata';
import type { MemberState, RoomMember } from './room-events';

interface Entry {
  id: BrowserIdentity;
  state: MemberState;
  readonly since: number;
}

/**
 * The other members as the room shows them, kept from the core's notifications: who is up, in which
 * life (generation), alive or suspect, since when; metadata comes from the `MetadataStore`.
 */
export class MemberTable<M extends Metadata> {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly metadata: MetadataStore) {}

  get size(): number {
    return this.entries.size;
  }

  addrs(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** A member came up (`since` in ms since the epoch). Returns its snapshot. */
  up(id: BrowserIdentity, since: number): RoomMember<M> {
    this.entries.set(id.addr, { id, state: 'alive', since });
    return this.view(id.addr)!;
  }

  /** A member went Down: forgets it and its metadata; returns its last snapshot (state 'down'), if known. */
  down(id: BrowserIdentity): RoomMember<M> | undefined {
    const before = this.view(id.addr);
    this.entries.delete(id.addr);
    this.metadata.delete(id.addr);
    if (before === undefined) return undefined;
    return { ...before, generation: id.generation, state: 'down' };
  }

  /** A member we show came back in a new life (reload, rejoin). Returns its snapshot, if we show it. */
  rename(id: BrowserIdentity): RoomMember<M> | undefined {
    const entry = this.entries.get(id.addr);
    if (entry === undefined) return undefined;
    entry.id = id;
    return this.view(id.addr);
  }

  /** Takes alive/suspect from the core; returns the snapshots of members whose state changed. */
  refreshStates(lookup: (addr: string) => Member<BrowserIdentity> | undefined): RoomMember<M>[] {
    const changed: RoomMember<M>[] = [];
    for (const [addr, entry] of this.entries) {
      const m = lookup(addr);
      if (m === undefined || m.state === 'down' || m.state === entry.state) continue;
      entry.state = m.state;
      changed.push(this.view(addr)!);
    }
    return changed;
  }

  view(addr: string): RoomMember<M> | undefined {
    const e = this.entries.get(addr);
    if (e === undefined) return undefined;
    return {
      id: addr,
      generation: e.id.generation,
      state: e.state,
      metadata: this.metadata.get(addr)?.metadata as M | undefined,
      since: e.since,
      self: false,
    };
  }
}
