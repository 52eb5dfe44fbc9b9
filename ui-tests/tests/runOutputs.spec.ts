import * as fs from 'fs';
import * as path from 'path';
import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { cell, openWithSidebar, RUN_TIMEOUT, SCREENSHOTS } from './notebookPage';

test.describe.configure({ mode: 'serial' });
// Tall enough for the notebook's table and figure in one screenshot.
test.use({ viewport: { width: 1200, height: 1000 } });

/** What these tests read of JupyterLab's app (window.jupyterapp): the current notebook document's dirty flag. */
async function notebookIsDirty(page: IJupyterLabPageFixture): Promise<boolean> {
  return page.evaluate(() => {
    type App = { shell: { currentWidget: { context: { model: { dirty: boolean } } } } };
    return (window as unknown as { jupyterapp: App }).jupyterapp.shell.currentWidget.context.model.dirty;
  });
}

/**
 * Waits until the notebook's kernel has told JupyterLab its language (which JupyterLab writes into
 * the notebook's metadata, making it dirty): only then can a clean notebook stay clean.
 */
async function kernelDescribedNotebook(page: IJupyterLabPageFixture): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          type App = { shell: { currentWidget: { context: { model: { getMetadata(key: string): { version?: string } | undefined } } } } };
          return (
            (window as unknown as { jupyterapp: App }).jupyterapp.shell.currentWidget.context.model.getMetadata('language_info')?.version ?? null
          );
        }),
      { timeout: 60000 }
    )
    .not.toBeNull();
}

/**
 * Clicks "Compile and run" (which saves the notebook first) and returns the id of the run it
 * started, once the sidebar shows it: a test notebook may have runs from earlier test runs.
 */
async function compileAndRun(sidebar: Locator): Promise<string> {
  const shown = sidebar.locator('.cp-RunHeader span[title]');
  const before = (await shown.count()) ? await shown.getAttribute('title') : null;
  await sidebar.locator('.cp-RunButton').click();
  await expect(shown).not.toHaveAttribute('title', before ?? '', { timeout: RUN_TIMEOUT });
  return (await shown.getAttribute('title'))!;
}

/** Runs a command from the command palette, with the keyboard only. */
async function fromPalette(page: IJupyterLabPageFixture, label: string): Promise<void> {
  await page.keyboard.press('Control+Shift+C');
  const palette = page.locator('#modal-command-palette');
  await expect(palette).toBeVisible();
  await palette.locator('input').fill(label);
  await expect(palette.locator('.lm-CommandPalette-item.lm-mod-active')).toContainText(label);
  await page.keyboard.press('Enter');
}

test("a run's outputs show under their cells, stale once edited, cleared on request; the notebook stays clean", async ({ page, tmpPath }) => {
  const sidebar = await openWithSidebar(page, tmpPath, 'run_outputs.ipynb');
  await kernelDescribedNotebook(page);
  const run = await compileAndRun(sidebar);
  const fromRun = `.cp-RunOutput[data-run-id="${run}"]`;

  // The DataFrame, the last expression of its cell, as the kernel shows it: an HTML table.
  const table = cell(page, 2).locator(`${fromRun} .jp-RenderedHTMLCommon table`);
  await expect(table).toBeVisible({ timeout: RUN_TIMEOUT });
  await expect(table.locator('tbody tr')).toHaveCount(4);
  await expect(table.locator('tbody tr').first()).toContainText('Lyon');
  await expect(cell(page, 2).locator(`${fromRun} .jp-OutputPrompt`)).toHaveText('[2]:');
  // The matplotlib figure: a PNG drawn by the step.
  const figure = cell(page, 3).locator(`${fromRun} .jp-RenderedImage img`);
  await expect(figure).toBeVisible({ timeout: RUN_TIMEOUT });
  expect(await figure.evaluate(img => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(100);
  await expect(cell(page, 1).locator(`${fromRun} .jp-OutputArea-output`)).toHaveText('cities: 4');
  // Each says where it comes from.
  const shortId = run.split('-').pop();
  await expect(cell(page, 2).locator('.cp-RunOutput-origin')).toHaveText(new RegExp(`^run ${shortId} · step load · \\S+`));
  await expect(cell(page, 3).locator('.cp-RunOutput-origin')).toHaveText(new RegExp(`^run ${shortId} · step plot · \\S+`));
  await expect(cell(page, 0).locator('.cp-RunOutput')).toHaveCount(0); // markdown

  // Nothing went into the notebook: its cells' own outputs are empty, the document is clean.
  for (const index of [1, 2, 3]) {
    await expect(cell(page, index).locator('.jp-Cell-outputWrapper .jp-OutputArea-child')).toHaveCount(0);
  }
  expect(await notebookIsDirty(page)).toBe(false);
  await expect(page.locator('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')).toHaveCount(0);

  const notebook = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
  await notebook.screenshot({ path: path.join(SCREENSHOTS, 'run-outputs.png') });
  await page.theme.setDarkTheme();
  await expect(figure).toBeVisible();
  await notebook.screenshot({ path: path.join(SCREENSHOTS, 'run-outputs-dark.png') });
  await page.theme.setLightTheme();

  // Folded and unfolded with the keyboard; the header stays where it is.
  const toggle = cell(page, 3).locator('.cp-RunOutput-toggle');
  const header = cell(page, 3).locator('.cp-RunOutput-header');
  const before = await header.boundingBox();
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(figure).toBeHidden();
  expect((await header.boundingBox())?.height).toBe(before?.height);
  await page.keyboard.press('Space');
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(figure).toBeVisible();

  // An edited cell: its outputs are marked as coming from other code, the others are not.
  await page.notebook.setCell(2, 'code', 'rain.head(2)');
  const stale = cell(page, 2).locator('.cp-RunOutput-stale');
  await expect(stale).toBeVisible();
  await expect(stale).toHaveText('code changed since this run');
  await expect(cell(page, 3).locator('.cp-RunOutput-stale')).toBeHidden();
  expect((await cell(page, 2).locator('.cp-RunOutput-header').boundingBox())?.height).toBe(before?.height);
  await cell(page, 2).screenshot({ path: path.join(SCREENSHOTS, 'run-outputs-stale.png') });
  await page.theme.setDarkTheme();
  await cell(page, 2).screenshot({ path: path.join(SCREENSHOTS, 'run-outputs-stale-dark.png') });
  await page.theme.setLightTheme();

  // Cleared from the palette: gone from every cell, and the notebook's own outputs untouched.
  // JupyterLab keeps what was cleared in its workspace, saved a moment later.
  const workspaceSaved = page.waitForRequest(request => request.method() === 'PUT' && request.url().includes('/api/workspaces/'));
  await fromPalette(page, 'Clear Pipeline Run Outputs');
  await expect(page.locator('.cp-RunOutput')).toHaveCount(0);
  await expect(cell(page, 2).locator('.jp-Cell-outputWrapper .jp-OutputArea-child')).toHaveCount(0);

  // ...and they stay cleared when JupyterLab is loaded again.
  await workspaceSaved;
  await page.reload({ waitForIsReady: false }); // the workspace brings the notebook back, not the launcher
  await expect(cell(page, 1)).toBeVisible({ timeout: 60000 });
  await page.locator('.jp-SideBar.jp-mod-left [data-id="cellpipe-sidebar"]').click();
  await expect(sidebar.locator('.cp-RunStatus').first()).toHaveAttribute('data-status', 'Succeeded', { timeout: RUN_TIMEOUT });
  await expect(page.locator('.cp-RunOutput')).toHaveCount(0);
});

test('saved into the notebook on request, and downloaded as the executed notebook', async ({ page, tmpPath }) => {
  const sidebar = await openWithSidebar(page, tmpPath, 'run_outputs.ipynb');
  const run = await compileAndRun(sidebar);
  await expect(cell(page, 3).locator(`.cp-RunOutput[data-run-id="${run}"] .jp-RenderedImage img`)).toBeVisible({ timeout: RUN_TIMEOUT });
  await expect(sidebar.locator('.cp-RunStatus').first()).toHaveAttribute('data-status', 'Succeeded', { timeout: RUN_TIMEOUT });

  // The executed notebook, from the sidebar: every cell's outputs and its execution count.
  const [download] = await Promise.all([page.waitForEvent('download'), sidebar.locator('.cp-DownloadNotebookButton').click()]);
  expect(download.suggestedFilename()).toBe(`run_outputs.${run}.ipynb`);
  const executed = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
  expect(executed.nbformat).toBe(4);
  expect(executed.cells[2].execution_count).toBe(2);
  expect(executed.cells[2].outputs[0].output_type).toBe('execute_result');
  expect(Object.keys(executed.cells[2].outputs[0].data)).toEqual(expect.arrayContaining(['text/html', 'text/plain']));
  expect(executed.cells[3].outputs.some((o: { data?: Record<string, unknown> }) => o.data?.['image/png'])).toBe(true);

  // Hidden and shown again with the setting, from the palette.
  await fromPalette(page, 'Show Pipeline Run Outputs on Cells');
  await expect(page.locator('.cp-RunOutput')).toHaveCount(0);
  await fromPalette(page, 'Show Pipeline Run Outputs on Cells');
  await expect(page.locator('.cp-RunOutput')).toHaveCount(3);

  // Saved into the cells from their context menu: the cells' own outputs, numbered; the notebook is to be saved.
  await cell(page, 2).locator('.jp-InputArea-prompt').click({ button: 'right' });
  await page.locator('.lm-Menu-item', { hasText: 'Save Pipeline Run Outputs into the Notebook' }).click();
  await expect(cell(page, 2).locator('.jp-Cell-outputWrapper .jp-RenderedHTMLCommon table')).toBeVisible();
  await expect(cell(page, 3).locator('.jp-Cell-outputWrapper .jp-RenderedImage img')).toBeVisible();
  await expect(cell(page, 2).locator('.jp-InputArea-prompt')).toHaveText('[2]:');
  await expect(page.locator('.cp-RunOutput')).toHaveCount(0);
  expect(await notebookIsDirty(page)).toBe(true);
});

/**
 * The time from a cell's end in a step to its outputs in the page: each step of a chain prints
 * `time.time()` as its last cell ends; the page notes `Date.now()` when that text enters the DOM
 * (same machine, same clock). Between the two: the runtime writes the cell's outputs, the local
 * backend sees them and sends the `cell-outputs` event, the browser reads that step's cells and
 * draws them on the next animation frame.
 */
test('outputs show within a moment of their cell ending', async ({ page, tmpPath }) => {
  const sidebar = await openWithSidebar(page, tmpPath, 'output_latency.ipynb');
  // A salt every step reads and prints: none of them comes from the cache of an earlier test run,
  // and the outputs of this run are told apart from those of earlier runs shown on opening.
  const salt = String(Date.now());
  await sidebar.locator('.cp-Parameter[data-parameter="salt"]').fill(salt);
  await page.evaluate(salt => {
    const seen: Record<string, number> = {};
    (window as unknown as { cellpipeOutputSeen: Record<string, number> }).cellpipeOutputSeen = seen;
    new MutationObserver(() => {
      const now = Date.now();
      document.querySelectorAll('.cp-RunOutput .jp-OutputArea-output').forEach(node => {
        const ended = new RegExp(`ended (\\d+\\.\\d+) \\(salt ${salt}\\)`).exec(node.textContent ?? '')?.[1];
        if (ended && !(ended in seen)) {
          seen[ended] = now;
        }
      });
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  }, salt);
  await compileAndRun(sidebar);
  await expect(page.locator('.cp-RunOutput', { hasText: `(salt ${salt})` })).toHaveCount(6, { timeout: RUN_TIMEOUT });
  const seen = await page.evaluate(() => (window as unknown as { cellpipeOutputSeen: Record<string, number> }).cellpipeOutputSeen);
  const latencies = Object.entries(seen)
    .map(([ended, shownAt]) => shownAt - Number(ended) * 1000)
    .sort((a, b) => a - b);
  expect(latencies).toHaveLength(6);
  for (const latency of latencies) {
    expect(latency).toBeGreaterThan(0); // shown after the cell ended, on one clock
  }
  const median = (latencies[2] + latencies[3]) / 2;
  console.log(
    `cellpipe: cell end to its outputs in the page, 6 steps (ms): ${latencies.map(l => l.toFixed(0)).join(', ')}; median ${median.toFixed(0)}`
  );
});
