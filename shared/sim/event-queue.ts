/**
 * The simulator's one ordered queue: a binary min-heap keyed by (time, seq), where seq is the insertion
 * order, so events due at the same instant run in the order they were scheduled and every run with the
 * same inputs pops the same sequence.
 *
 * Events live in slots of parallel arrays (struct of arrays) recycled through a free list: pushing and
 * popping allocates nothing once the arrays have grown to the run's high-water mark.
 */
export class EventQueue<P> {
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private kinds = new Uint8Array(1024);
  private targets = new Int32Array(1024);
  private auxes = new Int32Array(1024);
  private payloads: Array<P | undefined> = new Array(1024);
  /** heap[i] is a slot index; the heap is ordered by (times[slot], seqs[slot]). */
  private heap = new Int32Array(1024);
  private free: number[] = [];
  private nextSlot = 0;
  private count = 0;
  private seq = 0;

  /** Fields of the event that the last `pop()` removed. */
  lastTime = 0;
  lastKind = 0;
  lastTarget = 0;
  lastAux = 0;
  lastPayload: P | undefined = undefined;

  /** Number of events waiting. */
  get size(): number {
    return this.count;
  }

  /** Due time of the earliest event, or `Infinity` when empty. Doesn't change the queue. */
  peekTime(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : this.times[this.heap[0]!]!;
  }

  /** Adds an event. `kind`, `target` and `aux` are small integers the caller interprets. */
  push(time: number, kind: number, target: number, aux: number, payload: P | undefined): void {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.nextSlot === this.times.length) this.grow();
      slot = this.nextSlot++;
    }
    this.times[slot] = time;
    this.seqs[slot] = this.seq++;
    this.kinds[slot] = kind;
    this.targets[slot] = target;
    this.auxes[slot] = aux;
    this.payloads[slot] = payload;
    this.siftUp(this.count++, slot);
  }

  /** Removes the earliest event into the `last*` fields. Returns false when the queue is empty. */
  pop(): boolean {
    if (this.count === 0) return false;
    const heap = this.heap;
    const slot = heap[0]!;
    this.lastTime = this.times[slot]!;
    this.lastKind = this.kinds[slot]!;
    this.lastTarget = this.targets[slot]!;
    this.lastAux = this.auxes[slot]!;
    this.lastPayload = this.payloads[slot];
    this.payloads[slot] = undefined;
    this.free.push(slot);
    const last = heap[--this.count]!;
    if (this.count > 0) this.siftDown(0, last);
    return true;
  }

  /** Drops every event. */
  clear(): void {
    this.count = 0;
    this.nextSlot = 0;
    this.free.length = 0;
    this.payloads.fill(undefined);
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a]!;
    const tb = this.times[b]!;
    return ta < tb || (ta === tb && this.seqs[a]! < this.seqs[b]!);
  }

  private siftUp(pos: number, slot: number): void {
    const heap = this.heap;
    while (pos > 0) {
      const parentPos = (pos - 1) >> 1;
      const parent = heap[parentPos]!;
      if (!this.less(slot, parent)) break;
      heap[pos] = parent;
      pos = parentPos;
    }
    heap[pos] = slot;
  }

  private siftDown(pos: number, slot: number): void {
    const heap = this.heap;
    const n = this.count;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.less(heap[right]!, heap[child]!)) child = right;
      if (!this.less(heap[child]!, slot)) break;
      heap[pos] = heap[child]!;
      pos = child;
    }
    heap[pos] = slot;
  }

  private grow(): void {
    const size = this.times.length * 2;
    const grow64 = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.times = grow64(this.times);
    this.seqs = grow64(this.seqs);
    const kinds = new Uint8Array(size);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const targets = new Int32Array(size);
    targets.set(this.targets);
    this.targets = targets;
    const auxes = new Int32Array(size);
    auxes.set(this.auxes);
    this.auxes = auxes;
    const heap = new Int32Array(size);
    heap.set(this.heap);
    this.heap = heap;
    this.payloads.length = size;
  }
}
