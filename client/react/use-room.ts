import { useEffect, useRef, useState } from 'react';
import { type JoinRoomOptions, joinRoom, type Metadata, type Room } from '../index';

/**
 * Joins a room when the component mounts and leaves it when it unmounts; returns the room, or `null`
 * until the join has happened (the first render, and on the server).
 *
 * The join waits for the next task, and an unmount before then cancels it: React's StrictMode mounts,
 * unmounts and mounts again at once, and a room joined by the first mount would show up to the
 * others as a member that leaves at once (a ghost). A new room is joined only when `signaling`,
 * `room` or `token` change; the other options are read at join time (`metadata` is the initial
 * metadata: change it with `setMetadata`).
 */
export function useRoom<M extends Metadata = Metadata>(options: JoinRoomOptions<M>): Room<M> | null {
  const [room, setRoom] = useState<Room<M> | null>(null);
  const latest = useRef(options);
  latest.current = options;
  const { signaling, room: name, token } = options;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the room's identity is these three; other options are read at join time.
  useEffect(() => {
    let joined: Room<M> | undefined;
    const timer = setTimeout(() => {
      joined = joinRoom<M>(latest.current);
      setRoom(joined);
    }, 0);
    return () => {
      clearTimeout(timer);
      if (joined !== undefined) {
        const leaving = joined;
        setRoom((current) => (current === leaving ? null : current));
        leaving.leave().catch(() => {});
      }
    };
  }, [signaling, name, token]);

  return room;
}
