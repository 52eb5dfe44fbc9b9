import { expect, test } from '@jupyterlab/galata';
import { expectReadable, inBothThemes } from './themes';

test('the Launcher offers the examples; one opens as a copy in the current folder, ready to run', async ({ page, tmpPath }) => {
  const openExample = async (): Promise<void> => {
    await page.menu.clickMenuItem('File>New Launcher');
    const card = page
      .locator('.jp-MainAreaWidget:not(.lm-mod-hidden) .jp-Launcher-section', { hasText: 'cellpipe' })
      .locator('.jp-LauncherCard', { hasText: 'Train a model' });
    await card.first().click();
  };
  await page.menu.clickMenuItem('File>New Launcher');
  const section = page.locator('.jp-MainAreaWidget:not(.lm-mod-hidden) .jp-Launcher-section', { hasText: 'cellpipe' });
  // One card per example of examples/ (src/api/exampleNotebooks.ts).
  await expect(section.locator('.jp-LauncherCard')).toHaveText([/Train a model/, /Cross-validate in parallel/]);
  await inBothThemes(page, ['.jp-MainAreaWidget:not(.lm-mod-hidden) .jp-Launcher-section'], false, async (_, shot) => {
    await shot(section, 'launcher-examples');
    // axe leaves the Launcher's cards out of its contrast rule: measured here.
    await expectReadable(section.locator('.jp-LauncherCard-label p, .jp-Launcher-sectionTitle'));
  });
  await section.locator('.jp-LauncherCard', { hasText: 'Train a model' }).click();
  await expect(page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)')).toBeVisible();
  expect(await page.contents.fileExists(`${tmpPath}/train_pipeline.ipynb`)).toBe(true);

  await openExample();
  await expect.poll(() => page.contents.fileExists(`${tmpPath}/train_pipeline-1.ipynb`)).toBe(true);
  await page.locator('.jp-SideBar.jp-mod-left [data-id="cellpipe-sidebar"]').click();
  const sidebar = page.locator('#cellpipe-sidebar');
  await expect(sidebar.locator('.cp-SidebarPanel-notebook')).toHaveText('train_pipeline-1.ipynb');
  await expect(sidebar.locator('.cp-DagNode')).toHaveCount(5);
  await expect(sidebar.locator('.cp-RunButton')).toHaveAttribute('aria-disabled', 'false');
});
