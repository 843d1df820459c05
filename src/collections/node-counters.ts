/**
 * One counter per node number of a store (ring nodes, tree nodes, weighted-set records), in a growable
 * Float64Array. Selection counts live here rather than in the PE record, so that a handle resolution does
 * not write to the PE records it selects: at a million PEs each such write is a cache miss.
 */
export class NodeCounters {
  private values = new Float64Array(16);

  get(node: number): number {
    return node < this.values.length ? this.values[node]! : 0;
  }

  set(node: number, value: number): void {
    if (node >= this.values.length) this.grow(node);
    this.values[node] = value;
  }

  increment(node: number): void {
    if (node >= this.values.length) this.grow(node);
    this.values[node]!++;
  }

  get arrayBytes(): number {
    return this.values.byteLength;
  }

  private grow(node: number): void {
    let length = this.values.length * 2;
    while (length <= node) length *= 2;
    const grown = new Float64Array(length);
    grown.set(this.values);
    this.values = grown;
  }
}
