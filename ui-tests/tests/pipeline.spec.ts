import * as path from 'path';
import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { cell, openWithSidebar, RUN_TIMEOUT, SCREENSHOTS } from './notebookPage';

test.describe.configure({ mode: 'serial' });

/** Tags a cell with the cell toolbar, as a user does: select the cell, pick a role, name the step. */
async function tagCell(page: IJupyterLabPageFixture, index: number, role: string, name?: string): Promise<void> {
  await cell(page, index).locator('.jp-InputArea-prompt').click();
  const tools = cell(page, index).locator('.cp-CellTools');
  await tools.locator('.cp-CellTools-role').selectOption(role);
  if (name) {
    const input = tools.locator('.cp-CellTools-name');
    await input.fill(name);
    await input.press('Enter');
    await expect(cell(page, index)).toHaveAttribute('data-cp-step', name);
  }
}

async function dagStatuses(sidebar: Locator): Promise<Record<string, string | null>> {
  const nodes = sidebar.locator('.cp-DagNode');
  const result: Record<string, string | null> = {};
  for (let i = 0; i < (await nodes.count()); i++) {
    result[(await nodes.nth(i).getAttribute('data-step'))!] = await nodes.nth(i).getAttribute('data-status');
  }
  return result;
}

test('tag an untagged notebook, run it, watch it, change a parameter, break a cell', async ({ page, tmpPath }) => {
  const sidebar = await openWithSidebar(page, tmpPath, 'squares.ipynb');
  await expect(sidebar.locator('.cp-DagNode')).toHaveCount(1); // untagged: one step
  // JupyterLab hides a cell toolbar that would cover half the editor: tag with the sidebar closed.
  const sidebarTab = page.locator('.jp-SideBar.jp-mod-left [data-id="cellpipe-sidebar"]');
  await sidebarTab.click();
  await expect(sidebar).toBeHidden();

  await tagCell(page, 0, 'parameters');
  await tagCell(page, 1, 'step', 'load');
  await tagCell(page, 2, 'step', 'square');
  await tagCell(page, 3, 'step', 'total');
  await sidebarTab.click();

  // The live analysis shows each step's inputs and outputs on its first cell.
  await expect(cell(page, 2).locator('.cp-StepHeader-in')).toContainText('numbers ← load');
  await expect(cell(page, 2).locator('.cp-StepHeader-out')).toContainText('squares');
  await expect(cell(page, 3).locator('.cp-StepHeader-in')).toContainText('squares ← square');
  await expect(cell(page, 1).locator('.cp-StepHeader-in')).toContainText('n (parameter)');
  await expect(sidebar.locator('.cp-DagNode')).toHaveCount(3);
  await expect(sidebar.locator('.cp-Parameter[data-parameter="n"]')).toHaveValue('5');
  // Each step has its own colour on its cells.
  const colours = await Promise.all([1, 2, 3].map(i => cell(page, i).evaluate(n => (n as HTMLElement).style.getPropertyValue('--cp-step-color'))));
  expect(new Set(colours).size).toBe(3);
  await cell(page, 2).screenshot({ path: path.join(SCREENSHOTS, 'tagged-cell.png') });

  // Run from the sidebar and time the first step's start.
  const clicked = Date.now();
  await sidebar.locator('.cp-RunButton').click();
  await expect(sidebar.locator('.cp-DagNode[data-status="running"], .cp-DagNode[data-status="succeeded"]').first()).toBeVisible({
    timeout: RUN_TIMEOUT
  });
  console.log(`cellpipe: "Compile and run" to first step running: ${Date.now() - clicked} ms`);
  for (const step of ['load', 'square', 'total']) {
    await expect(sidebar.locator(`.cp-DagNode[data-step="${step}"]`)).toHaveAttribute('data-status', 'succeeded', { timeout: RUN_TIMEOUT });
  }
  console.log(`cellpipe: "Compile and run" to all 3 steps succeeded: ${Date.now() - clicked} ms`);
  for (const index of [1, 2, 3]) {
    await expect(cell(page, index)).toHaveAttribute('data-cp-status', 'succeeded');
  }
  await expect(cell(page, 2).locator('.cp-StepHeader-saved')).toContainText('squares: list');
  await expect(sidebar.locator('.cp-RunStatus').first()).toHaveAttribute('data-status', 'Succeeded');

  // A step's log, opened from the DAG with the keyboard.
  await sidebar.locator('.cp-DagNode[data-step="total"]').focus();
  await page.keyboard.press('Enter');
  await expect(sidebar.locator('.cp-Log')).toContainText('total 30');
  await sidebar.screenshot({ path: path.join(SCREENSHOTS, 'sidebar-run.png') });

  // Change a parameter and run again.
  await sidebar.locator('.cp-Parameter[data-parameter="n"]').fill('3');
  await sidebar.locator('.cp-RunButton').click();
  await expect(sidebar.locator('.cp-History li')).toHaveCount(2, { timeout: RUN_TIMEOUT });
  await expect(sidebar.locator('.cp-DagNode[data-step="total"]')).toHaveAttribute('data-status', 'succeeded', { timeout: RUN_TIMEOUT });
  await expect(sidebar.locator('.cp-RunStatus').first()).toHaveAttribute('data-status', 'Succeeded', { timeout: RUN_TIMEOUT });
  await sidebar.locator('.cp-DagNode[data-step="total"]').click();
  await expect(sidebar.locator('.cp-Log')).toContainText('total 5');

  // Break a cell: the failure shows on that step's cell, the step after it is skipped.
  await page.notebook.setCell(2, 'code', 'squares = [x * x for x in numbers]\nraise RuntimeError("broken on purpose")');
  await sidebar.locator('.cp-RunButton').click();
  await expect(cell(page, 2)).toHaveAttribute('data-cp-status', 'failed', { timeout: RUN_TIMEOUT });
  // ...on the line that raised, with a button that takes the cursor there.
  const failure = cell(page, 2).locator('.cp-Diagnostic[data-code="step-failed"]');
  await expect(failure).toContainText('RuntimeError: broken on purpose');
  await expect(failure.locator('.cp-Diagnostic-line')).toHaveText('line 2');
  // ...and marked in the editor, on what raised, with CodeMirror's lint underline.
  await expect(cell(page, 2).locator('.cm-lintRange-error')).toHaveText('raise');
  await expect(cell(page, 3)).toHaveAttribute('data-cp-status', 'skipped', { timeout: RUN_TIMEOUT });
  await expect(cell(page, 1)).toHaveAttribute('data-cp-status', /succeeded|cached/);
  expect(await dagStatuses(sidebar)).toEqual({ load: expect.stringMatching(/succeeded|cached/), square: 'failed', total: 'skipped' });
  await expect(sidebar.locator('.cp-RetryButton')).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'failed-run.png') });
});

test('a Kale-tagged notebook opens with its steps recognised and coloured, and runs', async ({ page, tmpPath }) => {
  const sidebar = await openWithSidebar(page, tmpPath, 'kale_small.ipynb');
  await expect(sidebar.locator('.cp-DagNode')).toHaveCount(4);
  await expect(cell(page, 3)).toHaveAttribute('data-cp-step', 'load_data');
  await expect(cell(page, 6)).toHaveAttribute('data-cp-step', 'report');
  await expect(cell(page, 7)).toHaveAttribute('data-cp-role', 'skip');
  await expect(cell(page, 6).locator('.cp-StepHeader-in')).toContainText('roots ← roots');

  await sidebar.locator('.cp-RunButton').click();
  for (const step of ['load_data', 'roots', 'squares', 'report']) {
    await expect(sidebar.locator(`.cp-DagNode[data-step="${step}"]`)).toHaveAttribute('data-status', /succeeded|cached/, { timeout: RUN_TIMEOUT });
  }
  await expect(cell(page, 6)).toHaveAttribute('data-cp-status', /succeeded|cached/);
  await cell(page, 3).screenshot({ path: path.join(SCREENSHOTS, 'kale-cell.png') });
  await sidebar.screenshot({ path: path.join(SCREENSHOTS, 'sidebar-kale.png') });

  // What a cluster would install for each step, pinned to the kernel's Python (the service starts it).
  // The other sections are folded so the list fits the window (the panel does not scroll yet).
  for (const title of ['Pipeline', 'Parameters', 'Runs']) {
    await sidebar.locator('summary', { hasText: new RegExp(`^${title}$`) }).click();
  }
  await sidebar.locator('summary', { hasText: 'Cluster packages' }).click();
  await sidebar.locator('.cp-PackagesButton').click();
  const steps = sidebar.locator('.cp-Packages-steps li');
  await expect(steps).toHaveCount(4, { timeout: RUN_TIMEOUT });
  await expect(steps.filter({ hasText: 'report' })).toContainText(/cloudpickle==\d/);
  await expect(sidebar.locator('.cp-PackagesButton')).toHaveText('Read again');
  await sidebar.screenshot({ path: path.join(SCREENSHOTS, 'sidebar-packages.png') });
  await page.theme.setDarkTheme();
  await sidebar.screenshot({ path: path.join(SCREENSHOTS, 'sidebar-packages-dark.png') });
  await page.theme.setLightTheme();
});

test('pipeline settings are written to metadata.cellpipe only', async ({ page, tmpPath }) => {
  const sidebar = await openWithSidebar(page, tmpPath, 'kale_small.ipynb');
  await sidebar.locator('summary', { hasText: 'Settings' }).click();
  const name = sidebar.locator('[data-setting="pipelineName"]');
  await name.fill('renamed');
  await name.press('Enter');
  await sidebar.locator('[data-setting="volume.accessMode"]').selectOption('ReadWriteMany');
  const metadata = await page.evaluate(() => {
    // What this test reads of JupyterLab's app (window.jupyterapp): the current notebook's metadata.
    type Metadata = Record<string, unknown> | undefined;
    const app = (window as unknown as { jupyterapp: { shell: { currentWidget: { content: { model: { getMetadata(key: string): Metadata } } } } } })
      .jupyterapp;
    const model = app.shell.currentWidget.content.model;
    return { cellpipe: model.getMetadata('cellpipe'), kale: model.getMetadata('kubeflow_notebook') };
  });
  expect(metadata.cellpipe).toEqual({ pipelineName: 'renamed', volume: { accessMode: 'ReadWriteMany' } });
  expect(metadata.kale?.pipeline_name).toBe('kale-small');
});
