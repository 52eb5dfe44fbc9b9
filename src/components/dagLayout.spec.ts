import { layoutDag } from './dagLayout';

describe('layoutDag', () => {
  it('puts dependencies above the steps that need them, with one edge each', () => {
    const layout = layoutDag([
      { id: 'load', label: 'load', dependsOn: [] },
      { id: 'a', label: 'train a', dependsOn: ['load'] },
      { id: 'b', label: 'train b', dependsOn: ['load', 'unknown'] },
      { id: 'report', label: 'report', dependsOn: ['a', 'b'] }
    ]);
    const y = Object.fromEntries(layout.nodes.map(n => [n.id, n.y]));
    expect(y.load).toBeLessThan(y.a);
    expect(y.a).toBe(y.b);
    expect(y.b).toBeLessThan(y.report);
    expect(layout.edges.map(e => `${e.from}>${e.to}`).sort()).toEqual(['a>report', 'b>report', 'load>a', 'load>b']);
    expect(layout.width).toBeGreaterThan(0);
  });
});
