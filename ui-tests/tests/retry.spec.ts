import * as fs from 'fs';
import * as path from 'path';
import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import { cell, NOTEBOOKS, openWithSidebar, RUN_TIMEOUT } from './notebookPage';
import { inBothThemes } from './themes';

const EVALUATE = 8;

/** Sets a cell's code through its model (typing into the editor would let it close brackets and indent); the notebook is not saved. */
async function setSource(page: IJupyterLabPageFixture, index: number, source: string): Promise<void> {
  await page.evaluate(
    ([i, text]) => {
      type App = { shell: { currentWidget: { content: { model: { cells: { get(i: number): { sharedModel: { setSource(s: string): void } } } } } } } };
      (window as unknown as { jupyterapp: App }).jupyterapp.shell.currentWidget.content.model.cells
        .get(i as number)
        .sharedModel.setSource(text as string);
    },
    [index, source]
  );
}

test("Retry runs the user's fix (unsaved when clicked), reusing the steps above it; the log shows the new attempt only", async ({
  page,
  tmpPath
}) => {
  const sidebar = await openWithSidebar(page, tmpPath, 'showcase.ipynb');
  const notebook = JSON.parse(fs.readFileSync(path.join(NOTEBOOKS, 'showcase.ipynb'), 'utf8')) as { cells: Array<{ source: string[] }> };
  const evaluate = `run_tag = "${Date.now()}"\n${notebook.cells[EVALUATE].source.join('')}`;
  await setSource(page, EVALUATE, `${evaluate}\nraise RuntimeError("not fixed yet")`);
  await sidebar.locator('.cp-RunButton').click();
  await expect(cell(page, EVALUATE)).toHaveAttribute('data-cp-status', 'failed', { timeout: RUN_TIMEOUT });
  await sidebar.locator('.cp-DagNode[data-step="evaluate"]').click();
  await expect(sidebar.locator('.cp-Log')).toContainText('not fixed yet', { timeout: RUN_TIMEOUT });
  const retry = sidebar.locator('.cp-RetryButton');
  await expect(retry).toBeVisible();

  // The fix, not saved: Retry saves it, and the service runs it.
  await setSource(page, EVALUATE, evaluate);
  await retry.click();
  await expect(sidebar.locator('.cp-RunHeader .cp-RunStatus')).toHaveAttribute('data-status', 'Succeeded', { timeout: RUN_TIMEOUT });
  await expect(cell(page, EVALUATE)).toHaveAttribute('data-cp-status', /succeeded/);
  await sidebar.locator('.cp-DagNode[data-step="evaluate"]').click();
  await expect(sidebar.locator('.cp-Log')).toContainText('test mse');
  await expect(sidebar.locator('.cp-Log')).not.toContainText('not fixed yet');
  // The steps above it were not run again: their values were reused.
  await expect(sidebar.locator('.cp-DagNode[data-step="train"]')).toHaveAttribute('data-status', /succeeded|cached/);

  await inBothThemes(page, ['#cellpipe-sidebar'], true, async (_, shot) => {
    await sidebar.evaluate(node => (node.scrollTop = 0));
    await shot(sidebar, 'sidebar-retried');
  });
});
