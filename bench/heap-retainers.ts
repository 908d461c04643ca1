/**
 * `node -r @swc-node/register bench/heap-retainers.ts FILE.heapsnapshot [TOP]`: what holds a V8 heap snapshot's
 * bytes. Prints the self size by node type and by constructor, and the largest retained sizes (dominator tree,
 * weak edges left out) of the objects under the global roots, each with the chain of holders that reaches it.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: heap-retainers FILE.heapsnapshot [TOP]');
  const top = Number(topArg ?? 25);
  const heap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const { meta } = heap.snapshot;
  const nodeWidth = meta.node_fields.length;
  const edgeWidth = meta.edge_fields.length;
  const [typeAt, nameAt, sizeAt, edgeCountAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
    meta.node_fields.indexOf(f),
  );
  const [edgeTypeAt, toAt] = ['type', 'to_node'].map((f) => meta.edge_fields.indexOf(f));
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const count = heap.nodes.length / nodeWidth;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += heap.nodes[i * nodeWidth + edgeCountAt] * edgeWidth;
  }
  firstEdge[count] = heap.edges.length;
  const type = (n: number) => nodeTypes[heap.nodes[n * nodeWidth + typeAt]];
  const name = (n: number) => heap.strings[heap.nodes[n * nodeWidth + nameAt]];
  const self = (n: number) => heap.nodes[n * nodeWidth + sizeAt];
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
  const total = Array.from({ length: count }, (_, n) => self(n)).reduce((a, b) => a + b, 0);
  process.stdout.write(`${count} nodes, ${mb(total)} in all\n`);

  const bySum = (key: (n: number) => string) => {
    const sums = new Map<string, number>();
    for (let n = 0; n < count; n++) sums.set(key(n), (sums.get(key(n)) ?? 0) + self(n));
    return [...sums].sort((a, b) => b[1] - a[1]).slice(0, top);
  };
  process.stdout.write('\nself size by type\n');
  for (const [key, bytes] of bySum(type)) process.stdout.write(`  ${mb(bytes).padStart(10)}  ${key}\n`);
  process.stdout.write('\nself size by type and name\n');
  for (const [key, bytes] of bySum((n) => `${type(n)} ${name(n).slice(0, 80).replace(/\s+/g, ' ')}`))
    process.stdout.write(`  ${mb(bytes).padStart(10)}  ${key}\n`);

  // Dominators (Cooper, Harvey and Kennedy's iterative algorithm) over strong edges, from node 0 (the root).
  const order: number[] = [];
  const postIndex = new Int32Array(count).fill(-1);
  const visited = new Uint8Array(count);
  const stack: [number, number][] = [[0, firstEdge[0]]];
  visited[0] = 1;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const [n, e] = frame;
    if (e < firstEdge[n + 1]) {
      frame[1] = e + edgeWidth;
      if (heap.edges[e + edgeTypeAt] === weak) continue;
      const to = heap.edges[e + toAt] / nodeWidth;
      if (!visited[to]) {
        visited[to] = 1;
        stack.push([to, firstEdge[to]]);
      }
    } else {
      postIndex[n] = order.length;
      order.push(n);
      stack.pop();
    }
  }
  const predecessors: number[][] = Array.from({ length: count }, () => []);
  const parent = new Int32Array(count).fill(-1);
  for (let n = 0; n < count; n++) {
    if (!visited[n]) continue;
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += edgeWidth) {
      if (heap.edges[e + edgeTypeAt] === weak) continue;
      const to = heap.edges[e + toAt] / nodeWidth;
      predecessors[to].push(n);
      if (parent[to] < 0 && to !== 0) parent[to] = n;
    }
  }
  const dominator = new Int32Array(count).fill(-1);
  dominator[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (postIndex[a] < postIndex[b]) a = dominator[a];
      while (postIndex[b] < postIndex[a]) b = dominator[b];
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i];
      if (n === 0) continue;
      let idom = -1;
      for (const p of predecessors[n]) {
        if (dominator[p] < 0) continue;
        idom = idom < 0 ? p : intersect(p, idom);
      }
      if (idom >= 0 && dominator[n] !== idom) {
        dominator[n] = idom;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(count);
  for (const n of order) {
    retained[n] += self(n);
    if (n !== 0) retained[dominator[n]] += retained[n];
  }
  const chain = (n: number) => {
    const names: string[] = [];
    for (let at = n, depth = 0; at > 0 && depth < 6; at = parent[at], depth++)
      names.push(`${type(at) === 'object' ? name(at) : type(at)}`.slice(0, 40));
    return names.reverse().join(' > ');
  };
  const candidates = order.filter((n) => n !== 0 && type(n) !== 'synthetic' && retained[n] < total / 3);
  // Only the outermost of nested candidates: skip a node whose dominator is itself listed.
  candidates.sort((a, b) => retained[b] - retained[a]);
  const shown = new Set<number>();
  process.stdout.write('\nlargest retained sizes (outermost holders)\n');
  for (const n of candidates) {
    if (shown.size >= top) break;
    let inside = false;
    for (let at = dominator[n]; at > 0; at = dominator[at]) if (shown.has(at)) inside = true;
    if (inside) continue;
    shown.add(n);
    const label = `${type(n)} ${name(n).slice(0, 60).replace(/\s+/g, ' ')}`;
    process.stdout.write(`  ${mb(retained[n]).padStart(10)}  ${label}   [${chain(n)}]\n`);
  }
}

main();
