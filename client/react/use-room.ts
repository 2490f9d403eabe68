import { useEffect, useRef, useState } from 'react';
import { type JoinRoomOptions, joinRoom, type Metadata, type Room } from '../index';

/**
 * Joins a room when the component mounts and leaves it when it unmounts; returns the room, or `null`
 * until the join has happened (the first render, and on the server).
 *
 * The join waits for the next task, and an unmount before then cancels it: React's StrictMode mounts,
 * unmounts and mounts again at once, and a room joined by the first mount would show up to the
 * others as a member that leaves at once (a ghost). A new room is joined only when `signaling`,
 * `room` or a string `token` change; the other options are read at join time (`metadata` is the
 * initial metadata: change it with `setMetadata`). A token function may be a new closure at every
 * render: the room calls the latest one at each (re)join, and a new one never re-joins.
 */
export function useRoom<M extends Metadata = Metadata>(options: JoinRoomOptions<M>): Room<M> | null {
  const [room, setRoom] = useState<Room<M> | null>(null);
  const latest = useRef(options);
  latest.current = options;
  const { signaling, room: name } = options;
  const token = typeof options.token === 'function' ? undefined : options.token;
  const tokenFn = typeof options.token === 'function';

  // biome-ignore lint/correctness/useExhaustiveDependencies: the room's identity is these three; other options are read at join time.
  useEffect(() => {
    let joined: Room<M> | undefined;
    const timer = setTimeout(() => {
      const opts = latest.current;
      joined = joinRoom<M>(
        typeof opts.token === 'function'
          ? {
              ...opts,
              token: () => {
                const current = latest.current.token;
                return typeof current === 'function' ? current() : (current ?? '');
              },
            }
          : opts,
      );
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
  }, [signaling, name, token, tokenFn]);

  return room;
}
