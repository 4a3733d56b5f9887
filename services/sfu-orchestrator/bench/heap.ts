/**
 * An indexed binary min-heap of node indices by key, with updates in place. The pre-burst
 * population uses it to hand the strategies the few least-loaded nodes instead of all 1,000:
 * the k smallest keys are always within the heap's first 2^k − 1 slots.
 */
export class NodeHeap {
  readonly #heap: number[] = [];
  readonly #position: Int32Array;
  readonly #key: Float64Array;

  constructor(capacity: number) {
    this.#position = new Int32Array(capacity).fill(-1);
    this.#key = new Float64Array(capacity);
  }

  get size(): number {
    return this.#heap.length;
  }

  /** Node index at heap slot `slot` (slot 0 is the minimum). */
  at(slot: number): number | undefined {
    return this.#heap[slot];
  }

  set(node: number, key: number): void {
    const p = this.#position[node]!;
    this.#key[node] = key;
    if (p < 0) {
      this.#heap.push(node);
      this.#position[node] = this.#heap.length - 1;
      this.#up(this.#heap.length - 1);
    } else {
      this.#up(p);
      this.#down(this.#position[node]!);
    }
  }

  #up(slot: number): void {
    const heap = this.#heap;
    const node = heap[slot]!;
    const key = this.#key[node]!;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      const other = heap[parent]!;
      if (this.#key[other]! <= key) break;
      heap[slot] = other;
      this.#position[other] = slot;
      slot = parent;
    }
    heap[slot] = node;
    this.#position[node] = slot;
  }

  #down(slot: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const node = heap[slot]!;
    const key = this.#key[node]!;
    for (;;) {
      const left = 2 * slot + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.#key[heap[right]!]! < this.#key[heap[left]!]! ? right : left;
      const other = heap[child]!;
      if (this.#key[other]! >= key) break;
      heap[slot] = other;
      this.#position[other] = slot;
      slot = child;
    }
    heap[slot] = node;
    this.#position[node] = slot;
  }
}
