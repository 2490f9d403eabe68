/**
 * `shoal/react`: a room per component subtree, and hooks that read it.
 *
 * ```tsx
 * <RoomProvider options={{ signaling: 'https://signal.example.org', room: 'lobby', metadata: { name } }}>
 *   <Avatars />
 * </RoomProvider>
 * function Avatars() {
 *   const others = useOthers<{ name: string }>();
 *   return others.map((m) => <img key={m.id} alt={m.metadata?.name} />);
 * }
 * ```
 */
export {
  RoomProvider,
  type RoomProviderProps,
  useBroadcast,
  useMembers,
  useMessage,
  useMetadata,
  useOthers,
  useRoomContext,
  useRoomStatus,
  useSelf,
} from './hooks';
export { EMPTY_SNAPSHOT, type RoomSnapshot, RoomStore } from './room-store';
export { useRoom } from './use-room';
