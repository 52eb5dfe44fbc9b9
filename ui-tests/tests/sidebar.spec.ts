import * as path from 'path';
import { expect, test } from '@jupyterlab/galata';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'train_pipeline.ipynb');
const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');

test.describe('cellpipe sidebar', () => {
  test.beforeEach(async ({ page, tmpPath }) => {
    await page.contents.uploadFile(EXAMPLE, `${tmpPath}/train_pipeline.ipynb`);
  });

  test('shows the active notebook and a healthy service', async ({ page, tmpPath }) => {
    await page.notebook.openByPath(`${tmpPath}/train_pipeline.ipynb`);
    await page.notebook.activate('train_pipeline.ipynb');

    const tab = page.locator('.jp-SideBar.jp-mod-left [data-id="cellpipe-sidebar"]');
    await expect(tab).toBeVisible();
    await tab.click();

    const sidebar = page.locator('#cellpipe-sidebar');
    await expect(sidebar).toBeVisible();
    await expect(sidebar.locator('.cp-SidebarPanel-notebook')).toHaveText('train_pipeline.ipynb');
    // The service is started by jupyter-server-proxy on first use and answers through Jupyter.
    await expect(sidebar.locator('.cp-Health-healthy')).toContainText('healthy (v0.1.0)', { timeout: 60000 });

    await sidebar.screenshot({ path: path.join(SCREENSHOTS, 'sidebar.png') });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'lab-with-sidebar.png') });
  });

  test('opens from the command palette', async ({ page }) => {
    await page.keyboard.press('Control+Shift+C');
    const palette = page.locator('#modal-command-palette');
    await expect(palette).toBeVisible();
    await palette.locator('input').fill('cellpipe sidebar');
    await palette.locator('.lm-CommandPalette-item', { hasText: 'Open the cellpipe Sidebar' }).click();
    await expect(page.locator('#cellpipe-sidebar')).toBeVisible();
    await expect(page.locator('#cellpipe-sidebar .cp-SidebarPanel-empty')).toContainText('Open a notebook');
  });
});
