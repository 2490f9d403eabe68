// Presence with React: an avatars stack, a name you can edit, and everyone's cursor.
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import {
  RoomProvider,
  useBroadcast,
  useMessage,
  useMetadata,
  useOthers,
  useRoomStatus,
  useSelf,
} from 'shoal/react';

type Presence = { name: string; colour: string };
type Move = { x: number; y: number };

const params = new URLSearchParams(location.search);
const colours = ['#e4572e', '#17bebb', '#76b041', '#ffc914', '#7e52a0', '#2e86ab'];
const initial: Presence = {
  name: params.get('name') ?? `guest-${Math.floor(Math.random() * 1000)}`,
  colour: colours[Math.floor(Math.random() * colours.length)]!,
};
const signaling = params.get('signaling') ?? location.origin;
const room = params.get('room') ?? 'cursors';

function Avatars() {
  const self = useSelf<Presence>();
  const others = useOthers<Presence>();
  const status = useRoomStatus();
  const [mine, setMine] = useMetadata<Presence>();
  return (
    <header>
      <ul className="avatars">
        {[...(self ? [self] : []), ...others].map((m) => (
          <li
            key={m.id}
            data-member={m.id}
            title={m.metadata?.name}
            style={{ background: m.metadata?.colour }}
          >
            {m.metadata?.name.slice(0, 1).toUpperCase() ?? '?'}
          </li>
        ))}
      </ul>
      <span data-status={status}>
        {status} · {others.length} other(s)
      </span>
      <input aria-label="name" value={mine?.name ?? ''} onChange={(e) => setMine({ name: e.target.value })} />
    </header>
  );
}

function Cursors() {
  const others = useOthers<Presence>();
  const broadcast = useBroadcast();
  const [positions, setPositions] = useState<Record<string, Move>>({});
  useMessage(({ from, data }) => setPositions((p) => ({ ...p, [from]: data as Move })));
  useEffect(() => {
    const move = (e: PointerEvent) => broadcast({ x: e.clientX, y: e.clientY });
    addEventListener('pointermove', move);
    return () => removeEventListener('pointermove', move);
  }, [broadcast]);
  return others.map((m) => {
    const at = positions[m.id];
    return at === undefined ? null : (
      <div
        key={m.id}
        className="cursor"
        data-cursor={m.id}
        style={{ transform: `translate(${at.x}px, ${at.y}px)` }}
      >
        <span style={{ color: m.metadata?.colour }}>▲ {m.metadata?.name}</span>
      </div>
    );
  });
}

// Unticking "here" unmounts the provider, which leaves the room; ticking it joins again.
function App() {
  const [here, setHere] = useState(true);
  return (
    <>
      <label className="here">
        <input type="checkbox" checked={here} onChange={(e) => setHere(e.target.checked)} /> here
      </label>
      {here && (
        <RoomProvider options={{ signaling, room, metadata: initial }}>
          <Avatars />
          <Cursors />
        </RoomProvider>
      )}
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
