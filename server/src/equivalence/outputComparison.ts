/**
 * Compares, cell by cell, the outputs of two executed notebooks: the kernel's Run All (the oracle)
 * and a pipeline run's executed notebook. Equal means: the same outputs in the same order, of the
 * same types; streams with the same text; displays and results with the same MIME types, the same
 * text (text/plain, text/html, ...) and images of the same pixel size (a re-rendered PNG's bytes
 * differ); errors with the same name and value (tracebacks are formatted by different code).
 */
import { pngSize } from '../../../src/core/run/imageSize';

export interface OutputDifference {
  cell: number;
  what: string;
}

type Output = Record<string, unknown>;

function text(value: unknown): string {
  return Array.isArray(value) ? value.join('') : typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Where code is named in printed text: a kernel names a cell `/tmp/ipykernel_<pid>/<hash>.py`, a
 * pipeline step `<cell N: step S>`; the line after it must agree, the name may not.
 */
export function withoutCellNames(value: string): string {
  return value.replace(/\/tmp\/ipykernel_\d+\/\d+\.py/g, '<cell>').replace(/<cell \d+(: [^>\n]*)?>/g, '<cell>');
}

/**
 * Consecutive stream outputs as one: what each stream printed, stdout and stderr each in its own
 * order. A kernel flushes the two streams apart, on its own clock, so their order across each
 * other is not the kernel's to say (a warning printed before a print may come after it).
 */
function mergedStreams(outputs: Output[]): Output[] {
  const merged: Output[] = [];
  for (const output of outputs) {
    const last = merged[merged.length - 1];
    if (output.output_type !== 'stream') {
      merged.push(output);
    } else if (last?.output_type === 'streams') {
      const name = String(output.name);
      last[name] = text(last[name]) + text(output.text);
    } else {
      merged.push({ output_type: 'streams', stdout: '', stderr: '', [String(output.name)]: text(output.text) });
    }
  }
  return merged;
}

/** What is compared of one output, as a comparable value. */
function essence(output: Output): unknown {
  switch (output.output_type) {
    case 'streams':
      return { stdout: withoutCellNames(text(output.stdout)), stderr: withoutCellNames(text(output.stderr)) };
    case 'error':
      return { error: output.ename, value: output.evalue };
    default: {
      const data = (output.data ?? {}) as Record<string, unknown>;
      return {
        [String(output.output_type)]: Object.fromEntries(
          Object.keys(data)
            .sort()
            .map(mime => {
              if (mime.startsWith('image/png')) {
                const size = pngSize(text(data[mime]));
                return [mime, size ? `${size.width}×${size.height}` : 'not a PNG'];
              }
              return [mime, mime.startsWith('image/') ? 'image' : withoutCellNames(text(data[mime]))];
            })
        )
      };
    }
  }
}

/** The differences between the two notebooks' outputs, in the cells given (by index), in words. */
export function compareCellOutputs(
  reference: { cells: Array<Record<string, unknown>> },
  pipeline: { cells: Array<Record<string, unknown>> },
  cells: readonly number[]
): OutputDifference[] {
  const differences: OutputDifference[] = [];
  for (const cell of cells) {
    const expected = mergedStreams((reference.cells[cell]?.outputs as Output[]) ?? []).map(essence);
    const actual = mergedStreams((pipeline.cells[cell]?.outputs as Output[]) ?? []).map(essence);
    const count = Math.max(expected.length, actual.length);
    for (let i = 0; i < count; i++) {
      const [want, got] = [JSON.stringify(expected[i]), JSON.stringify(actual[i])];
      if (want !== got) {
        differences.push({ cell, what: `output ${i}: Run All ${want ?? 'nothing'}, the pipeline ${got ?? 'nothing'}` });
      }
    }
  }
  return differences;
}
