import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { cell, openWithSidebar, RUN_TIMEOUT } from './notebookPage';
import { inBothThemes } from './themes';

test.use({ viewport: { width: 1400, height: 1000 } });

const STEPS = ['load_data', 'split', 'train', 'baseline', 'evaluate'];

async function runToEnd(sidebar: Locator, runs: number): Promise<void> {
  await sidebar.locator('.cp-RunButton').click();
  await expect(sidebar.locator('.cp-History-row')).toHaveCount(runs, { timeout: RUN_TIMEOUT });
  await expect(sidebar.locator('.cp-RunHeader .cp-RunStatus')).toHaveAttribute('data-status', 'Succeeded', { timeout: RUN_TIMEOUT });
}

test("live progress, cached apart from succeeded, each run's parameters, and runs compared side by side", async ({ page, tmpPath }) => {
  const sidebar = await openWithSidebar(page, tmpPath, 'showcase.ipynb');

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
  await runToEnd(sidebar, 2);
  await sidebar.locator('.cp-Parameter[data-parameter="learning_rate"]').fill('');
  await runToEnd(sidebar, 3);
  for (const step of STEPS) {
    await expect(sidebar.locator(`.cp-DagNode[data-step="${step}"]`)).toHaveAttribute('data-status', 'cached');
  }
  await expect(sidebar.locator('.cp-DagNode[data-step="train"] .cp-DagNode-icon')).toHaveText('↺');
  await expect(cell(page, 4).locator('.cp-StepStatus')).toHaveText('↺cached');
  await expect(cell(page, 4)).toHaveAttribute('data-cp-status', 'cached');

  // Each run says its parameters that differ from the notebook's defaults.
  await expect(sidebar.locator('.cp-History-parameters')).toHaveText(['default parameters', 'learning_rate=0.1', 'default parameters']);

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

  await inBothThemes(page, ['#cellpipe-sidebar', '.cp-Compare'], async (_, shot) => {
    await shot(compare, 'compare-runs');
    await sidebar.evaluate(node => (node.scrollTop = 0));
    await shot(sidebar, 'sidebar-cached');
  });
});
