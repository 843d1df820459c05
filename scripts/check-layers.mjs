#!/usr/bin/env node
// Enforces the layer table of docs/architecture.md: each src/<layer>/ may import only the layers
// listed for it, and no module import cycle exists anywhere under src/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const CORES = [
  'base',
  'collections',
  'wire',
  'sctp',
  'policy',
  'handlespace',
  'registrar',
  'hunt',
  'element',
  'user',
  'session',
  'services',
  'stack',
];
const ALLOWED = {
  base: [],
  collections: ['base'],
  wire: ['base'],
  sctp: ['base', 'collections'],
  policy: ['base', 'collections', 'wire'],
  handlespace: ['base', 'collections', 'wire', 'policy'],
  registrar: ['base', 'collections', 'wire', 'policy', 'handlespace'],
  hunt: ['base', 'collections', 'wire'],
  element: ['base', 'collections', 'wire', 'hunt'],
  user: ['base', 'collections', 'wire', 'policy', 'handlespace', 'hunt'],
  session: ['base', 'collections', 'wire', 'hunt', 'element', 'user', 'policy', 'handlespace'],
  services: ['base', 'wire'],
  stack: CORES.filter((l) => l !== 'stack'),
  io: CORES,
  api: [...CORES, 'io'],
  cli: ['api', 'wire', 'policy', 'services', 'base'],
};
const NODE_FREE = new Set(CORES);

const root = resolve('src');
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.ts')) files.push(p);
  }
})(root);

const layerOf = (file) => relative(root, file).split('/')[0];
const problems = [];
const graph = new Map();
const importRe =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const layer = layerOf(file);
  const edges = [];
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      const tl = layerOf(target);
      if (tl !== layer && ALLOWED[layer] && !ALLOWED[layer].includes(tl)) {
        problems.push(`${relative('.', file)}: layer '${layer}' may not import '${tl}' (${spec})`);
      }
      edges.push(target);
    } else if (
      NODE_FREE.has(layer) &&
      (spec.startsWith('node:') || /^(fs|net|dgram|crypto|os|timers)$/.test(spec))
    ) {
      problems.push(`${relative('.', file)}: sans-I/O layer '${layer}' imports Node module '${spec}'`);
    }
  }
  if (!(layer in ALLOWED) && relative(root, file).includes('/'))
    problems.push(`${relative('.', file)}: unknown layer '${layer}'`);
  graph.set(file, edges);
}

// Cycle detection (iterative DFS, colours).
const colour = new Map();
for (const start of graph.keys()) {
  if (colour.get(start)) continue;
  const stack = [[start, 0]];
  const path = [start];
  colour.set(start, 1);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const edges = graph.get(top[0]) ?? [];
    if (top[1] >= edges.length) {
      colour.set(top[0], 2);
      stack.pop();
      path.pop();
      continue;
    }
    const next = edges[top[1]++];
    const c = colour.get(next);
    if (c === 1) {
      const cycle = path
        .slice(path.indexOf(next))
        .concat(next)
        .map((f) => relative(root, f));
      problems.push(`import cycle: ${cycle.join(' -> ')}`);
    } else if (!c && graph.has(next)) {
      colour.set(next, 1);
      stack.push([next, 0]);
      path.push(next);
    }
  }
}

if (problems.length) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`check-layers: ${files.length} modules, layers and cycles OK`);
