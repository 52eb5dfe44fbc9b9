import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { cell, NOTEBOOKS, openWithSidebar, RUN_TIMEOUT } from './notebookPage';
import { expectReadable, inBothThemes } from './themes';

test.use({ viewport: { width: 1400, height: 1000 } });

const STEPS = ['load_data', 'split', 'train', 'baseline', 'evaluate'];

/** Runs the notebook and waits for the run's end (the history may hold runs of earlier test runs: one more). */
async function runToEnd(sidebar: Locator): Promise<void> {
  const before = await sidebar.locator('.cp-History-row').count();
  await sidebar.locator('.cp-RunButton').click();
  await expect(sidebar.locator('.cp-History-row')).toHaveCount(before + 1, { timeout: RUN_TIMEOUT });
  await expect(sidebar.locator('.cp-RunHeader .cp-RunStatus')).toHaveAttribute('data-status', 'Succeeded', { timeout: RUN_TIMEOUT });
}

test("live progress, cached apart from succeeded, each run's parameters, and runs compared side by side", async ({ page, tmpPath }) => {
  const sidebar = await openWithSidebar(page, tmpPath, 'showcase.ipynb');
  // A train step no earlier run has seen (the server's run store outlives a test), so it runs, not comes from cache.
  const notebook = JSON.parse(fs.readFileSync(path.join(NOTEBOOKS, 'showcase.ipynb'), 'utf8')) as { cells: Array<{ source: string[] }> };
  await page.evaluate(
    source => {
      // Through the cell's model: typing into the editor would let it close brackets and indent.
      type App = { shell: { currentWidget: { content: { model: { cells: { get(i: number): { sharedModel: { setSource(s: string): void } } } } } } } };
      (window as unknown as { jupyterapp: App }).jupyterapp.shell.currentWidget.content.model.cells.get(6).sharedModel.setSource(source);
    },
    `run_tag = "${test.info().testId}-${Date.now()}"\n${notebook.cells[6].source.join('')}`
  );

  // A running step's time ticks on its cell and in the panel.
  await sidebar.locator('.cp-RunButton').click();
  const train = sidebar.locator('.cp-DagNode[data-step="train"]');
  await expect(train).toHaveAttribute('data-status', 'running', { timeout: RUN_TIMEOUT });
  const duration = cell(page, 6).locator('.cp-StepHeader-duration');
  await expect(duration).toBeVisible();
  const first = await duration.textContent();
  await expect(duration).not.toHaveText(first!, { timeout: 5000 });
  await train.click();
  await expect(sidebar.locator('.cp-StepDetail .cp-StatusMark')).toHaveText('▶running');
  await expect(sidebar.locator('.cp-RunHeader .cp-RunStatus')).toHaveAttribute('data-status', 'Succeeded', { timeout: RUN_TIMEOUT });

  // A finished step that printed nothing says so.
  await sidebar.locator('.cp-DagNode[data-step="split"]').click();
  await expect(sidebar.locator('.cp-Log')).toHaveText('no output');
  // Metrics: four significant digits, the full value in the tooltip.
  const rmse = sidebar.locator('.cp-Metrics tr', { hasText: 'rmse' }).locator('td');
  const full = Number(await rmse.getAttribute('title'));
  expect(String(full).length).toBeGreaterThan(6);
  await expect(rmse).toHaveText(String(Number(full.toPrecision(4))));

  // Another learning rate; then the defaults again, which the cache answers: cached, not succeeded.
  await sidebar.locator('.cp-Parameter[data-parameter="learning_rate"]').fill('0.1');
  await runToEnd(sidebar);
  await sidebar.locator('.cp-Parameter[data-parameter="learning_rate"]').fill('');
  await runToEnd(sidebar);
  for (const step of STEPS) {
    await expect(sidebar.locator(`.cp-DagNode[data-step="${step}"]`)).toHaveAttribute('data-status', 'cached');
  }
  await expect(sidebar.locator('.cp-DagNode[data-step="train"] .cp-DagNode-icon')).toHaveText('↺');
  await expect(cell(page, 4).locator('.cp-StepStatus')).toHaveText('↺cached');
  await expect(cell(page, 4)).toHaveAttribute('data-cp-status', 'cached');

  // Each run says its parameters that differ from the notebook's defaults.
  const parameters = await sidebar.locator('.cp-History-parameters').allTextContents();
  expect(parameters.slice(0, 3)).toEqual(['default parameters', 'learning_rate=0.1', 'default parameters']);

  // Pick two runs with the keyboard and compare them.
  await sidebar.locator('.cp-History-compare').nth(1).focus();
  await page.keyboard.press('Space');
  await sidebar.locator('.cp-History-compare').nth(2).focus();
  await page.keyboard.press('Space');
  await expect(sidebar.locator('.cp-CompareButton')).toHaveText('Compare 2 runs');
  await sidebar.locator('.cp-CompareButton').click();
  const compare = page.locator('.cp-Compare');
  await expect(compare.locator('thead th[data-run-id]')).toHaveCount(2);
  await expect(compare.locator('tr[data-parameter="learning_rate"] td')).toHaveText(['0.1', '0.05']);
  await expect(compare.locator('tr[data-step="train"] td')).toHaveText(['✓ran', '✓ran']);
  const metric = (name: string) => compare.locator(`tr[data-metric="${name}"]`);
  await expect(metric('rmse').locator('td.cp-mod-best')).toHaveCount(1);
  await expect(metric('rmse').locator('.cp-Compare-direction')).toHaveText('↓ lower');
  await expect(metric('improvement').locator('.cp-Compare-direction')).toHaveText('↑ higher');
  const bestBefore = await metric('rmse')
    .locator('td')
    .evaluateAll(cells => cells.map(c => c.classList.contains('cp-mod-best')));
  await metric('rmse').locator('.cp-Compare-direction').click();
  await expect(metric('rmse').locator('.cp-Compare-direction')).toHaveText('↑ higher');
  const bestAfter = await metric('rmse')
    .locator('td')
    .evaluateAll(cells => cells.map(c => c.classList.contains('cp-mod-best')));
  expect(bestAfter).toEqual(bestBefore.map(best => !best));

  await inBothThemes(page, ['#cellpipe-sidebar', '.cp-Compare'], true, async (_, shot) => {
    await shot(compare, 'compare-runs');
    // The status on the cells (axe leaves cells out of its contrast rule: measured here).
    await expectReadable(page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .cp-StepStatus'));
    await sidebar.evaluate(node => (node.scrollTop = 0));
    await shot(sidebar, 'sidebar-cached');
  });
});
