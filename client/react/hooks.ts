import {
  createContext,
  createElement,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useSyncExternalStore,
} from 'react';
import type { JoinRoomOptions, Metadata, Room, RoomMember, RoomMessage, RoomStatus } from '../index';
import { EMPTY_SNAPSHOT, type RoomSnapshot, RoomStore } from './room-store';
import { useRoom } from './use-room';

const RoomContext = createContext<RoomStore | null>(null);

export interface RoomProviderProps<M extends Metadata = Metadata> {
  /** `joinRoom`'s options; see `useRoom` for which of them start a new room when they change. */
  readonly options: JoinRoomOptions<M>;
  readonly children?: ReactNode;
}

/** Joins a room for its subtree (see `useRoom`) and gives the hooks below it that room. */
export function RoomProvider<M extends Metadata = Metadata>(props: RoomProviderProps<M>): ReactNode {
  const room = useRoom<M>(props.options);
  const store = useMemo(() => (room === null ? null : new RoomStore(room as Room)), [room]);
  return createElement(RoomContext.Provider, { value: store }, props.children);
}

const noSubscription = () => () => {};
const emptySnapshot = () => EMPTY_SNAPSHOT;

function useSnapshot<M extends Metadata>(): RoomSnapshot<M> {
  const store = useContext(RoomContext);
  return useSyncExternalStore(
    store?.subscribe ?? noSubscription,
    store?.getSnapshot ?? emptySnapshot,
    emptySnapshot,
  ) as RoomSnapshot<M>;
}

/** The provider's room, `null` until it has joined. */
export function useRoomContext<M extends Metadata = Metadata>(): Room<M> | null {
  return (useContext(RoomContext)?.room ?? null) as Room<M> | null;
}

/** Everyone in the room (alive or suspect), us first; empty until joined. Re-renders on each change. */
export function useMembers<M extends Metadata = Metadata>(): readonly RoomMember<M>[] {
  return useSnapshot<M>().members;
}

/** Everyone in the room but us. */
export function useOthers<M extends Metadata = Metadata>(): readonly RoomMember<M>[] {
  return useSnapshot<M>().others;
}

/** Us, as the others see us; `undefined` until joined. */
export function useSelf<M extends Metadata = Metadata>(): RoomMember<M> | undefined {
  return useSnapshot<M>().self;
}

/** `connecting`, `connected`, `reconnecting` or `lost` (also `connecting` before the join). */
export function useRoomStatus(): RoomStatus {
  return useSnapshot().status;
}

/**
 * Our metadata and its setter, like `useState`: `setMine(partial)` merges into it and the room spreads
 * it (at most one broadcast per 100 ms, the latest wins). The setter does nothing before the join.
 */
export function useMetadata<M extends Metadata = Metadata>(): [M | undefined, (partial: Partial<M>) => void] {
  const room = useRoomContext<M>();
  const mine = useSnapshot<M>().self?.metadata;
  const setMine = useCallback(
    (partial: Partial<M>) => {
      if (room !== null && room.status !== 'lost') room.setMetadata(partial);
    },
    [room],
  );
  return [mine, setMine];
}

/** Calls `handler` with every app message to us; the latest handler is used without resubscribing. */
export function useMessage(handler: (message: RoomMessage) => void): void {
  const room = useRoomContext();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => room?.on('message', (message) => latest.current(message)), [room]);
}

/**
 * A stable function that sends an ephemeral message to every member with a link (see
 * `Room.broadcast`) and returns how many it went to; 0 before the join.
 */
export function useBroadcast(): (data: unknown) => number {
  const room = useRoomContext();
  return useCallback(
    (data: unknown) => (room === null || room.status === 'lost' ? 0 : room.broadcast(data)),
    [room],
  );
}
