import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { CellpipeClient } from './api/client';
import { cellpipeIcon } from './icons';
import { SidebarModel } from './models/SidebarModel';
import { CommandIDs, PLUGIN_ID } from './tokens';
import { CellpipeSidebar } from './widgets/CellpipeSidebar';

/**
 * The cellpipe sidebar: shows the active notebook and the health of the cellpipe service,
 * which it checks once on load and again on demand.
 */
const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Turn tagged notebooks into pipelines and run them from a sidebar.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const model = new SidebarModel(new CellpipeClient());
    const sidebar = new CellpipeSidebar(model);
    app.shell.add(sidebar, 'left', { rank: 650 });
    restorer?.add(sidebar, sidebar.id);

    const followActiveNotebook = (): void => {
      model.notebookPath = notebooks.currentWidget?.context.path ?? null;
    };
    notebooks.currentChanged.connect(followActiveNotebook);
    followActiveNotebook();

    app.commands.addCommand(CommandIDs.openSidebar, {
      label: 'Open the cellpipe Sidebar',
      caption: 'Show the cellpipe pipeline panel',
      icon: cellpipeIcon,
      execute: () => app.shell.activateById(sidebar.id)
    });
    app.commands.addCommand(CommandIDs.checkService, {
      label: 'Check the cellpipe Service',
      execute: () => model.checkHealth()
    });
    for (const command of [CommandIDs.openSidebar, CommandIDs.checkService]) {
      palette?.addItem({ command, category: 'cellpipe' });
    }

    if (settingRegistry) {
      settingRegistry.load(PLUGIN_ID).catch(reason => {
        console.error('cellpipe: failed to load settings', reason);
      });
    }
    void model.checkHealth();
  }
};

export default [sidebarPlugin];
