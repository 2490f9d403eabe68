/** The traffic panel: rates over the last second and the mesh's counters, as `<dt>`/`<dd>` pairs. */
import type { RoomStats } from 'shoal';
import { formatBytes, setText } from './format';

type MeshStats = RoomStats['mesh'];
interface Sample {
  readonly at: number;
  readonly packetsIn: number;
  readonly packetsOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** Rates are taken over windows of at least this long, so a redraw in between doesn't skew them. */
const RATE_WINDOW_MS = 900;

export class CountersPanel {
  private last: Sample | undefined;
  private rates = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0 };
  /** Each counter's `<dd>`, by key. */
  private readonly values = new Map<string, HTMLElement>();

  constructor(private readonly list: HTMLElement) {}

  /** Redraws the panel from the mesh's counters at monotonic time `at`. */
  render(mesh: MeshStats, at: number): void {
    const last = this.last;
    if (last !== undefined && at - last.at >= RATE_WINDOW_MS) {
      const dt = (at - last.at) / 1000;
      this.rates = {
        packetsIn: (mesh.packetsIn - last.packetsIn) / dt,
        packetsOut: (mesh.packetsOut - last.packetsOut) / dt,
        bytesIn: (mesh.bytesIn - last.bytesIn) / dt,
        bytesOut: (mesh.bytesOut - last.bytesOut) / dt,
      };
    }
    if (last === undefined || at - last.at >= RATE_WINDOW_MS) {
      const { packetsIn, packetsOut, bytesIn, bytesOut } = mesh;
      this.last = { at, packetsIn, packetsOut, bytesIn, bytesOut };
    }
    const r = this.rates;
    // [key for automation (data-counter), label, raw value, shown value]
    const rows: Array<[string, string, number, string]> = [
      ['packets-in-rate', 'packets in / s', r.packetsIn, r.packetsIn.toFixed(1)],
      ['packets-out-rate', 'packets out / s', r.packetsOut, r.packetsOut.toFixed(1)],
      ['bytes-in-rate', 'bytes in / s', r.bytesIn, formatBytes(r.bytesIn)],
      ['bytes-out-rate', 'bytes out / s', r.bytesOut, formatBytes(r.bytesOut)],
      ['open', 'connections open', mesh.open, String(mesh.open)],
      ['pending', 'connections pending', mesh.pending, String(mesh.pending)],
      ['signaled-via-mesh', 'signaled through the mesh', mesh.signaledViaMesh, String(mesh.signaledViaMesh)],
      [
        'signaled-via-server',
        'signaled through the server',
        mesh.signaledViaServer,
        String(mesh.signaledViaServer),
      ],
      ['loss-dropped', 'dropped by the loss slider', mesh.lossDropped, String(mesh.lossDropped)],
      ['spoofed-dropped', 'spoofed packets dropped', mesh.spoofedDropped, String(mesh.spoofedDropped)],
    ];
    // Drawn once, then only the values that changed: the panel redraws every second.
    if (this.values.size === 0) {
      this.list.replaceChildren(
        ...rows.flatMap(([key, label]) => {
          const dt = document.createElement('dt');
          dt.textContent = label;
          const dd = document.createElement('dd');
          dd.dataset.counter = key;
          this.values.set(key, dd);
          return [dt, dd];
        }),
      );
    }
    for (const [key, , raw, text] of rows) {
      const dd = this.values.get(key)!;
      const value = String(raw);
      if (dd.dataset.value !== value) dd.dataset.value = value;
      setText(dd, text);
    }
  }
}
