// The grid hierarchy of GET /api/tree as entries shaped like map.js's
// ({id, level, parentId, name, code}), for a page that draws its grids as
// vector tiles and so holds no polygons to read the hierarchy from.
'use strict';

// gridTree indexes a /api/tree answer. entry(id), children(id) and
// entries() answer as map.js's gridEntry, childrenOf and gridEntries do.
export function gridTree(tree) {
  const entries = new Map();
  const kids = new Map();
  const walk = (node, parentId) => {
    entries.set(node.id, { id: node.id, level: node.level, parentId, name: node.name, code: node.code });
    kids.set(node.id, (node.children || []).map((c) => c.id));
    (node.children || []).forEach((c) => walk(c, node.id));
  };
  ((tree && tree.roots) || []).forEach((r) => walk(r, null));
  return {
    size: entries.size,
    entry: (id) => entries.get(id),
    children: (id) => (kids.get(id) || []).map((c) => entries.get(c)),
    entries: () => [...entries.values()],
  };
}
