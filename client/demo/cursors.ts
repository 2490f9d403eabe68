/** Other members' pointers, moved by their `cursor` app messages and dropped when they go quiet. */
import { colourOf, type DemoMember, nameOf } from './member-list';

const CURSOR_QUIET_MS = 5_000;

export class Cursors {
  private readonly cursors = new Map<string, { el: HTMLElement; at: number }>();

  constructor(private readonly layer: HTMLElement) {}

  /** Shows `from`'s pointer at (x, y), fractions of the window. */
  show(from: string, member: DemoMember | undefined, x: number, y: number, now: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    let c = this.cursors.get(from);
    if (c === undefined) {
      const node = document.createElement('div');
      node.className = 'cursor';
      const pointer = document.createElement('span');
      pointer.className = 'pointer';
      const label = document.createElement('span');
      label.className = 'label';
      node.append(pointer, label);
      this.layer.append(node);
      c = { el: node, at: 0 };
      this.cursors.set(from, c);
    }
    const colour = colourOf(member, from);
    const [pointer, label] = [c.el.firstElementChild as HTMLElement, c.el.lastElementChild as HTMLElement];
    pointer.style.background = colour;
    label.style.background = colour;
    label.textContent = nameOf(member, from);
    c.el.style.left = `${Math.min(1, Math.max(0, x)) * window.innerWidth}px`;
    c.el.style.top = `${Math.min(1, Math.max(0, y)) * window.innerHeight}px`;
    c.at = now;
  }

  /** Removes pointers quiet for a while or of members that are down. */
  prune(now: number, isDown: (id: string) => boolean): void {
    for (const [id, c] of this.cursors) {
      if (now - c.at > CURSOR_QUIET_MS || isDown(id)) {
        c.el.remove();
        this.cursors.delete(id);
      }
    }
  }
}
