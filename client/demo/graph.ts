/**
 * The room as a picture: members on a circle, open WebRTC connections as edges, and a brief flash on an
 * edge when a probe or gossip crosses it. Plain SVG: a few dozen nodes need no layout library.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
const RADIUS = 120;

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
  /** Edges a packet crossed since the last redraw, with the kind to show. */
  private readonly flashed = new Map<string, 'probe' | 'gossip'>();
  /** Edges lit now (an edge lit again in the next redraw keeps its class: no style change). */
  private readonly lit = new Set<string>();
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

    // Flashes are drawn with the redraw, in its frame: no repaint of their own.
    this.drawFlashes();
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
   * Lights the edge between two members until the next redraw (the page's once-a-second tick, or a
   * burst of events). A quiet room still sends a dozen packets a second: a style change and a repaint
   * for each one cost the tab more than everything else on the page, and a beat of its own every
   * 500 ms still doubled the page's repaints at rest.
   */
  flash(a: string, b: string, kind: 'probe' | 'gossip'): void {
    const key = edgeKey(a, b);
    // Within one redraw, a probe shows over gossip (the rarer, more telling one).
    if (this.flashed.get(key) !== 'probe') this.flashed.set(key, kind);
  }

  /** Lights the edges flashed since the last redraw, clears the others. */
  private drawFlashes(): void {
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
    this.flashed.clear();
  }
}
