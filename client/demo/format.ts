/** Small formatting helpers for the demo page. */

/**
 * A duration as the member list shows it: seconds for the first minute, then whole minutes, then hours
 * and minutes. Past a minute the text changes once a minute, so a long-lived row costs no redraw a second.
 */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatClock(at: number): string {
  const d = new Date(at);
  return `${d.toLocaleTimeString(undefined, { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** A stable, readable colour for a member that has not picked one. */
export function colourFor(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360} 65% 50%)`;
}

/** A friendly default name. */
export function defaultName(id: string): string {
  const fish = [
    'Herring',
    'Sardine',
    'Anchovy',
    'Mackerel',
    'Sprat',
    'Smelt',
    'Shad',
    'Tuna',
    'Bream',
    'Perch',
  ];
  let h = 7;
  for (let i = 0; i < id.length; i++) h = (h * 131 + id.charCodeAt(i)) >>> 0;
  return `${fish[h % fish.length]} ${id.slice(0, 3)}`;
}

const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;

/** Only well-formed colours from other members reach the DOM's style attributes. */
export function safeColour(value: unknown, fallback: string): string {
  return typeof value === 'string' && HEX_COLOUR.test(value) ? value : fallback;
}

export function safeName(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.trim() !== '' ? value.slice(0, 40) : fallback;
}

/** Sets a node's text only when it differs: an equal write still costs the page a layout and a paint. */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
