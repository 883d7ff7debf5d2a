/** A binary min-heap of nodes under a comparison that may change as the top node takes tasks. */
import type { NodeInfo } from './node-info.js';

export class NodeHeap {
  private readonly items: NodeInfo[];

  constructor(
    nodes: NodeInfo[],
    private readonly compare: (a: NodeInfo, b: NodeInfo) => number,
  ) {
    this.items = nodes;
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  get size(): number {
    return this.items.length;
  }

  peek(): NodeInfo | undefined {
    return this.items[0];
  }

  /** Removes the top node. */
  pop(): void {
    const last = this.items.pop();
    if (last && this.items.length > 0) {
      this.items[0] = last;
      this.siftDown(0);
    }
  }

  /** Restores the order after the top node changed (took a task). */
  topChanged(): void {
    this.siftDown(0);
  }

  private siftDown(start: number): void {
    const items = this.items;
    const n = items.length;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.compare(items[left], items[smallest]) < 0) smallest = left;
      if (right < n && this.compare(items[right], items[smallest]) < 0) smallest = right;
      if (smallest === i) return;
      [items[i], items[smallest]] = [items[smallest], items[i]];
      i = smallest;
    }
  }
}
