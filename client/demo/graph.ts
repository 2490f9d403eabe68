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
  private readonly flashTimers = new Map<string, number>();

  constructor(svg: SVGSVGElement) {
    this.edgesLayer = document.createElementNS(SVG_NS, 'g');
    this.nodesLayer = document.createElementNS(SVG_NS, 'g');
    svg.append(this.edgesLayer, this.nodesLayer);
  }

  /** Redraws nodes and edges; `edges` are pairs of member ids with an open connection. */
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
      line.setAttribute('x1', String(pa.x));
      line.setAttribute('y1', String(pa.y));
      line.setAttribute('x2', String(pb.x));
      line.setAttribute('y2', String(pb.y));
    }
    for (const [key, line] of this.edgeEls) {
      if (!seen.has(key)) {
        line.remove();
        this.edgeEls.delete(key);
      }
    }

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

  /** Lights the edge between two members for a moment. */
  flash(a: string, b: string, kind: 'probe' | 'gossip'): void {
    const key = edgeKey(a, b);
    const line = this.edgeEls.get(key);
    if (line === undefined) return;
    line.classList.remove('lit-probe', 'lit-gossip');
    line.classList.add(kind === 'probe' ? 'lit-probe' : 'lit-gossip');
    const previous = this.flashTimers.get(key);
    if (previous !== undefined) window.clearTimeout(previous);
    this.flashTimers.set(
      key,
      window.setTimeout(() => {
        line.classList.remove('lit-probe', 'lit-gossip');
        this.flashTimers.delete(key);
      }, 250),
    );
  }
}
