/** The oracles' comparisons can fail: what they accept and what they catch. */
import { interleaves } from './equivalence';
import { compareCellOutputs, withoutCellNames } from './outputComparison';

// A real 3×2 PNG and a real 2×2 one.
const PNG_3X2 = 'iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEElEQVR4nGP4z8AAQQxwFgBB0gX7h/C5SAAAAABJRU5ErkJggg==';
const PNG_2X2 = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==';

describe('interleaves', () => {
  it('accepts the lines of both streams in any interleaving that keeps each in its order', () => {
    expect(interleaves('w\na\nb\n', 'a\nb\n', 'w\n')).toBe(true);
    expect(interleaves('a\nw\nb\n', 'a\nb\n', 'w\n')).toBe(true);
    expect(interleaves('a\nb', 'a\nb', '')).toBe(true);
  });

  it('refuses a reordered stream, a lost line, an extra line', () => {
    expect(interleaves('b\na\n', 'a\nb\n', '')).toBe(false);
    expect(interleaves('a\n', 'a\nb\n', '')).toBe(false);
    expect(interleaves('a\nb\nx\n', 'a\nb\n', '')).toBe(false);
    expect(interleaves('w\nb\na\n', 'a\nb\n', 'w\n')).toBe(false);
  });
});

describe('compareCellOutputs', () => {
  const cell = (...outputs: Array<Record<string, unknown>>): { cells: Array<Record<string, unknown>> } => ({ cells: [{ outputs }] });
  const figure = (png: string) => ({
    output_type: 'display_data',
    data: { 'image/png': png, 'text/plain': '<Figure size 640x480 with 1 Axes>' },
    metadata: {}
  });

  it('takes streams as a front end shows them, figures by pixel size, errors by name and value', () => {
    const kernel = cell(
      { output_type: 'stream', name: 'stdout', text: 'a\n' },
      { output_type: 'stream', name: 'stdout', text: ['b\n'] },
      figure(PNG_3X2),
      { output_type: 'error', ename: 'ValueError', evalue: 'no', traceback: ['\u001b[31mkernel colours'] }
    );
    const pipeline = cell({ output_type: 'stream', name: 'stdout', text: 'a\nb\n' }, figure(PNG_3X2.replace(/A+=*$/, '')), {
      output_type: 'error',
      ename: 'ValueError',
      evalue: 'no',
      traceback: ['Traceback...']
    });
    expect(compareCellOutputs(kernel, pipeline, [0])).toEqual([]);
  });

  it('finds a missing result, another text, another image size, another stream', () => {
    const result = { output_type: 'execute_result', data: { 'text/plain': '42' }, metadata: {}, execution_count: 1 };
    expect(compareCellOutputs(cell(result), cell(), [0])).toEqual([{ cell: 0, what: expect.stringContaining('the pipeline nothing') }]);
    expect(compareCellOutputs(cell(result), cell({ ...result, data: { 'text/plain': '43' } }), [0])).toHaveLength(1);
    expect(compareCellOutputs(cell(result), cell({ ...result, data: { 'text/plain': '42', 'text/html': '<b>42</b>' } }), [0])).toHaveLength(1);
    expect(compareCellOutputs(cell(figure(PNG_3X2)), cell(figure(PNG_2X2)), [0])).toHaveLength(1);
    expect(
      compareCellOutputs(cell({ output_type: 'stream', name: 'stdout', text: 'x' }), cell({ output_type: 'stream', name: 'stderr', text: 'x' }), [0])
    ).toHaveLength(1);
    // stdout and stderr each in its own order, not across each other (a kernel flushes them apart)
    const out = { output_type: 'stream', name: 'stdout', text: 'a\n' };
    const err = { output_type: 'stream', name: 'stderr', text: 'w\n' };
    expect(compareCellOutputs(cell(out, err), cell(err, out), [0])).toEqual([]);
    expect(compareCellOutputs(cell(out, err, out), cell(err, out), [0])).toHaveLength(1);
  });

  it('names cells alike whether a kernel or a step names them', () => {
    expect(withoutCellNames('/tmp/ipykernel_4242/123456.py:3: UserWarning: x')).toBe('<cell>:3: UserWarning: x');
    expect(withoutCellNames('File "<cell 7: step clean>", line 3')).toBe('File "<cell>", line 3');
  });
});
