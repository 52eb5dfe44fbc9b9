import type { MimeBundle, NotebookOutput, RunCellOutputs } from '../../../src/core/run/cellOutputs';
import { pngSize } from '../../../src/core/run/imageSize';
import { cellNumber } from '../../../src/core/notebook';

/**
 * A run's cell outputs as a terminal shows them (`cellpipe outputs RUN`): each cell under a
 * header naming it, its step and Run All's execution count; streams as printed, a value as its
 * `text/plain` (what a console shows), what only a browser shows (HTML, images) named in brackets.
 */

function text(value: unknown): string {
  return Array.isArray(value) ? value.join('') : typeof value === 'string' ? value : '';
}

/** The kinds of data a bundle has besides text/plain, in brackets: `[image/png 640×480]`, `[text/html]`. */
function richParts(data: MimeBundle): string[] {
  return Object.keys(data)
    .filter(mime => mime !== 'text/plain')
    .map(mime => {
      const size = mime === 'image/png' ? pngSize(text(data[mime])) : undefined;
      return size ? `[${mime} ${size.width}×${size.height}]` : `[${mime}]`;
    });
}

function withNewline(value: string): string {
  return value === '' || value.endsWith('\n') ? value : value + '\n';
}

/** A bundle as a console shows it: its text/plain, then what only a browser shows, on a line of its own. */
function bundleText(data: MimeBundle, prompt = ''): string {
  const plain = text(data['text/plain']);
  const rich = richParts(data).join(' ');
  const shown = prompt ? `${prompt}${plain.includes('\n') ? '\n' : ''}${plain}` : plain;
  return [shown, rich].filter(Boolean).map(withNewline).join('');
}

function outputText(output: NotebookOutput, count: number): string {
  switch (output.output_type) {
    case 'stream':
      return withNewline(output.text);
    case 'error':
      return withNewline(`${output.ename}: ${output.evalue}`);
    case 'execute_result':
      return bundleText(output.data, `Out[${count}]: `);
    default:
      return bundleText(output.data);
  }
}

export function formatCellOutputs(cells: readonly RunCellOutputs[]): string {
  return cells
    .map(cell => {
      const header = `── cell ${cellNumber(cell.cell)} · step ${cell.stepName} · [${cell.executionCount}]${cell.status === 'error' ? ' · raised' : ''}`;
      return `${header}\n${cell.outputs.map(output => outputText(output, cell.executionCount)).join('')}`;
    })
    .join('\n');
}
