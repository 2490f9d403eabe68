/**
 * What `npm run bench:sim` prints beside its own rows: the anchors of DESIGN §6 (foca 1.0 measured on
 * the same definitions, memberlist, Serf), and the table formatting.
 */
/** foca 1.0 measured on these definitions (lan preset, links 1 ms + up to 1 ms jitter). */
export const FOCA: Record<
  string,
  { allSeeAll: string; first: string; allDown: string; spread: string; falseDown: string; bps: string }
> = {
  '10/0': { allSeeAll: '1.6', first: '1.84', allDown: '6.4', spread: '0.48', falseDown: '0', bps: '40' },
  '100/0': {
    allSeeAll: '1.5',
    first: '2.14',
    allDown: '28.6 (med 10.9)',
    spread: '3.3',
    falseDown: '0',
    bps: '67',
  },
  '100/0.1': {
    allSeeAll: '28',
    first: '1.61',
    allDown: '22.5',
    spread: '7.5',
    falseDown: '3.7 (+23 rejoins)',
    bps: '375',
  },
  '1000/0': {
    allSeeAll: '181 or never',
    first: '2.66',
    allDown: '15.5',
    spread: '0.79',
    falseDown: '0',
    bps: '83',
  },
  '1000/0.1': {
    allSeeAll: '193',
    first: '2.46',
    allDown: '15.4',
    spread: '0.85',
    falseDown: '10.6 (+21 rejoins)',
    bps: '2,241',
  },
  '100/0.25': {
    allSeeAll: '52',
    first: '2.08',
    allDown: 'half never',
    spread: '17',
    falseDown: '269',
    bps: '1,759',
  },
};

/** memberlist's LAN suspicion timeout: 4 × log10(N) × 1 s probe interval (min; max ×6). */
export function memberlistSuspicion(n: number): string {
  return `${(4 * Math.max(1, Math.log10(n))).toFixed(0)}`;
}

/** Serf's convergence model, 99.99 % (200 ms gossip, fanout 3, no loss). */
export const SERF: Record<number, string> = { 100: '2.0', 1000: '2.2', 10000: '2.6' };

export const fmt = (x: number | null | undefined, digits = 2): string =>
  x === null || x === undefined
    ? '—'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
