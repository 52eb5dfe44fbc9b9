/** What the Galata specs share: opening a test notebook with the cellpipe sidebar, finding its cells. */
import * as path from 'path';
import { expect, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

export const NOTEBOOKS = path.resolve(__dirname, '..', 'notebooks');
export const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');
/** Local runs start Python processes: give them time on a busy machine (no fixed sleeps anywhere). */
export const RUN_TIMEOUT = 60000;

/** Uploads a notebook of ui-tests/notebooks, opens it and the sidebar, and waits for a healthy service. */
export async function openWithSidebar(page: IJupyterLabPageFixture, tmpPath: string, name: string): Promise<Locator> {
  await page.contents.uploadFile(path.join(NOTEBOOKS, name), `${tmpPath}/${name}`);
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
  await page.locator('.jp-SideBar.jp-mod-left [data-id="cellpipe-sidebar"]').click();
  const sidebar = page.locator('#cellpipe-sidebar');
  await expect(sidebar.locator('.cp-SidebarPanel-notebook')).toHaveText(name);
  await expect(sidebar.locator('.cp-Health-healthy')).toBeVisible({ timeout: 60000 });
  return sidebar;
}

/** A cell of the notebook on show. */
export function cell(page: IJupyterLabPageFixture, index: number): Locator {
  return page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell').nth(index);
}
