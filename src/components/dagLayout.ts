import dagre from '@dagrejs/dagre';

export interface DagNodeInput {
  id: string;
  label: string;
  dependsOn: string[];
}

export interface DagNodeBox {
  id: string;
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DagEdgePath {
  from: string;
  to: string;
  points: Array<{ x: number; y: number }>;
}

export interface DagLayout {
  width: number;
  height: number;
  nodes: DagNodeBox[];
  edges: DagEdgePath[];
}

export const NODE_HEIGHT = 30;
const CHAR_WIDTH = 7;
/** Width beside the name: the colour swatch and the status icon. */
const NODE_PADDING = 54;
/** From this many steps on, ranks and nodes sit closer (zoom and pan do the rest). */
const COMPACT_FROM = 20;

/** Lays the steps out top to bottom with dagre; boxes are centred on (x, y). */
export function layoutDag(steps: readonly DagNodeInput[]): DagLayout {
  const graph = new dagre.graphlib.Graph();
  const compact = steps.length >= COMPACT_FROM;
  graph.setGraph({ rankdir: 'TB', nodesep: compact ? 10 : 16, ranksep: compact ? 18 : 28, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(steps.map(s => s.id));
  for (const step of steps) {
    graph.setNode(step.id, { label: step.label, width: Math.max(80, step.label.length * CHAR_WIDTH + NODE_PADDING), height: NODE_HEIGHT });
  }
  for (const step of steps) {
    for (const dep of step.dependsOn) {
      if (known.has(dep)) {
        graph.setEdge(dep, step.id);
      }
    }
  }
  dagre.layout(graph);
  const label = graph.graph();
  return {
    width: label.width ?? 0,
    height: label.height ?? 0,
    nodes: steps.map(step => {
      const node = graph.node(step.id);
      return { id: step.id, label: step.label, x: node.x, y: node.y, width: node.width, height: node.height };
    }),
    edges: graph.edges().map(e => ({ from: e.v, to: e.w, points: graph.edge(e).points ?? [] }))
  };
}
