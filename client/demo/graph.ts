/**
 * The room as a picture: members on a circle, open WebRTC connections as edges, and a brief flash on an
 * edge when a probe or gossip crosses it. Plain SVG: a few dozen nodes need no layout library.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
const RADIUS = 120;
/** How long a flash stays lit, and how often flashes are drawn (250 ms cost a quiet tab ~1 % of a core more). */
const FLASH_MS = 500;

export interface GraphNode {
  readonly id: string;
  readonly label: string;
  readonly colour: string;
  readonly state: 'alive' | 'suspect' | 'down';
  readonly self: boolean;
}

function edgeKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

export class RoomGraph {
  private readonly edgesLayer: SVGGElement;
  private readonly nodesLayer: SVGGElement;
  private readonly positions = new Map<string, { x: number; y: number }>();
  private readonly edgeEls = new Map<string, SVGLineElement>();
  /** Edges a packet crossed since the last beat, with the kind to show. */
  private readonly flashed = new Map<string, 'probe' | 'gossip'>();
  /** Edges lit now. */
  private readonly lit = new Set<string>();
  private beat: number | undefined;
  /** What the nodes layer shows now (ids, labels, colours, states), to skip redrawing it unchanged. */
  private drawnNodes = '';

  constructor(svg: SVGSVGElement) {
    this.edgesLayer = document.createElementNS(SVG_NS, 'g');
    this.nodesLayer = document.createElementNS(SVG_NS, 'g');
    svg.append(this.edgesLayer, this.nodesLayer);
  }

  /** Redraws what changed of nodes and edges; `edges` are pairs of member ids with an open connection. */
  render(nodes: readonly GraphNode[], edges: Iterable<readonly [string, string]>): void {
    const ordered = [...nodes].sort((a, b) => (a.self ? -1 : b.self ? 1 : a.id.localeCompare(b.id)));
    this.positions.clear();
    ordered.forEach((n, i) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, ordered.length);
      const r = ordered.length === 1 ? 0 : RADIUS;
      this.positions.set(n.id, { x: r * Math.cos(angle), y: r * Math.sin(angle) });
    });

    const seen = new Set<string>();
    for (const [a, b] of edges) {
      const pa = this.positions.get(a);
      const pb = this.positions.get(b);
      if (pa === undefined || pb === undefined) continue;
      const key = edgeKey(a, b);
      seen.add(key);
      let line = this.edgeEls.get(key);
      if (line === undefined) {
        line = document.createElementNS(SVG_NS, 'line');
        line.classList.add('edge');
        this.edgesLayer.append(line);
        this.edgeEls.set(key, line);
      }
      // Written only when they move: the graph is redrawn every second, mostly unchanged.
      const coords = `${pa.x} ${pa.y} ${pb.x} ${pb.y}`;
      if (line.dataset.coords !== coords) {
        line.dataset.coords = coords;
        line.setAttribute('x1', String(pa.x));
        line.setAttribute('y1', String(pa.y));
        line.setAttribute('x2', String(pb.x));
        line.setAttribute('y2', String(pb.y));
      }
    }
    for (const [key, line] of this.edgeEls) {
      if (!seen.has(key)) {
        line.remove();
        this.edgeEls.delete(key);
      }
    }

    // Pending flashes go into this redraw's frame rather than one of their own a moment later.
    if (this.beat !== undefined) {
      window.clearTimeout(this.beat);
      this.drawFlashes();
    }
    const drawn = ordered.map((n) => `${n.id} ${n.label} ${n.colour} ${n.state} ${n.self}`).join('\n');
    if (drawn === this.drawnNodes) return;
    this.drawnNodes = drawn;
    this.nodesLayer.replaceChildren(
      ...ordered.map((n) => {
        const p = this.positions.get(n.id) ?? { x: 0, y: 0 };
        const g = document.createElementNS(SVG_NS, 'g');
        g.classList.add('node');
        if (n.self) g.classList.add('self');
        g.dataset.state = n.state;
        g.setAttribute('transform', `translate(${p.x} ${p.y})`);
        const circle = document.createElementNS(SVG_NS, 'circle');
        circle.setAttribute('r', n.self ? '15' : '12');
        circle.setAttribute('fill', n.state === 'down' ? 'var(--down)' : n.colour);
        const title = document.createElementNS(SVG_NS, 'title');
        title.textContent = `${n.label} (${n.state})`;
        const text = document.createElementNS(SVG_NS, 'text');
        text.setAttribute('y', '27');
        text.textContent = n.label.length > 14 ? `${n.label.slice(0, 13)}…` : n.label;
        g.append(circle, title, text);
        return g;
      }),
    );
  }

  /**
   * Lights the edge between two members for a moment. Flashes are drawn together once per beat: a
   * quiet room still sends a dozen packets a second, and a style change and a repaint for each one
   * (and another to clear it) cost the tab more than everything else on the page.
   */
  flash(a: string, b: string, kind: 'probe' | 'gossip'): void {
    const key = edgeKey(a, b);
    // Within a beat, a probe shows over gossip (the rarer, more telling one).
    if (this.flashed.get(key) !== 'probe') this.flashed.set(key, kind);
    this.beat ??= window.setTimeout(() => this.drawFlashes(), FLASH_MS);
  }

  /** Lights the edges flashed in the beat that ended, clears the others; beats stop when nothing flashes. */
  private drawFlashes(): void {
    this.beat = undefined;
    for (const key of this.lit) {
      if (this.flashed.has(key)) continue;
      this.edgeEls.get(key)?.classList.remove('lit-probe', 'lit-gossip');
      this.lit.delete(key);
    }
    for (const [key, kind] of this.flashed) {
      const line = this.edgeEls.get(key);
      if (line === undefined) continue;
      const want = kind === 'probe' ? 'lit-probe' : 'lit-gossip';
      if (!line.classList.contains(want)) {
        line.classList.remove('lit-probe', 'lit-gossip');
        line.classList.add(want);
      }
      this.lit.add(key);
    }
    // One more beat clears what is lit now, if nothing crosses those edges again meanwhile.
    if (this.flashed.size > 0 || this.lit.size > 0) {
      this.flashed.clear();
      this.beat = window.setTimeout(() => this.drawFlashes(), FLASH_MS);
    }
  }
}
