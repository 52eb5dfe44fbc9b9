import { expect, test } from '@jupyterlab/galata';
import { cell, openWithSidebar } from './notebookPage';
import { expectReadable, inBothThemes } from './themes';

const NOTEBOOK = '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook';

test('every code cell has a bar above its code: the step, or a badge of its role; Tab from the cell reaches it, Enter opens the tag editor', async ({
  page,
  tmpPath
}) => {
  await openWithSidebar(page, tmpPath, 'showcase.ipynb');
  const roles = [];
  for (let index = 1; index <= 10; index++) {
    roles.push(await cell(page, index).locator('.cp-StepBar').getAttribute('data-role'));
  }
  expect(roles).toEqual(['imports', 'pipeline-parameters', 'functions', 'step', 'step', 'step', 'step', 'step', 'pipeline-metrics', 'skip']);
  await expect(cell(page, 6).locator('.cp-StepBar')).toHaveText('train');
  // Above the code, in every cell (not below it in some).
  for (const index of [1, 4, 6, 9, 10]) {
    const bar = (await cell(page, index).locator('.cp-StepBar').boundingBox())!;
    const input = (await cell(page, index).locator('.jp-InputArea').boundingBox())!;
    expect(bar.y + bar.height).toBeLessThanOrEqual(input.y + 1);
  }
  // In/out text is at least 12 px.
  const fontSize = await cell(page, 6)
    .locator('.cp-StepHeader-in')
    .evaluate(node => parseFloat(getComputedStyle(node).fontSize));
  expect(fontSize).toBeGreaterThanOrEqual(12);

  // Keyboard: the cell in command mode, Tab, the bar; Enter opens the tag editor.
  await cell(page, 6).locator('.jp-InputArea-prompt').click();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  await expect(cell(page, 6).locator('.cp-StepBar')).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('.cp-CellTools-role')).toBeFocused();
  await expect(dialog.locator('.cp-CellTools-role')).toHaveValue('step');
  const name = dialog.locator('.cp-CellTools-name');
  await name.fill('fit');
  await name.press('Enter'); // closes the dialog, with the name typed
  await expect(dialog).toHaveCount(0);
  await expect(cell(page, 6)).toHaveAttribute('data-cp-step', 'fit');
  await expect(cell(page, 6).locator('.cp-StepBar')).toHaveText('fit');

  // A click opens it too; the cell's role changes from there.
  await cell(page, 10).locator('.cp-StepBar').click();
  await dialog.locator('.cp-CellTools-role').selectOption('step');
  await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
  await expect(cell(page, 10).locator('.cp-StepBar')).toHaveAttribute('data-role', 'step');

  await inBothThemes(page, [`${NOTEBOOK} .cp-CellBanner`], false, async (_, shot) => {
    // The cells at the top in view: axe checks the contrast of text on screen only.
    await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer').evaluate(node => (node.scrollTop = 0));
    await expect(cell(page, 1).locator('.cp-StepBar')).toBeInViewport();
    await shot(page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)'), 'step-bars');
    const banners = page.locator(`${NOTEBOOK} .cp-CellBanner`);
    await expectReadable(banners.locator('.cp-StepHeader-name, .cp-StepBar-badge, .cp-StepBar-continued, .cp-StepHeader-key, .cp-StepHeader-names'));
  });
});
