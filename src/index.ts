import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import type { Cell } from '@jupyterlab/cells';
import { ICommandPalette, IToolbarWidgetRegistry, MainAreaWidget } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { CellpipeClient } from './api/client';
import type { CompileTarget } from './core/run/api';
import { downloadCompiled, saveCompiled } from './api/compiledFiles';
import { copyExample, EXAMPLE_NOTEBOOKS } from './api/exampleNotebooks';
import { offerDownload } from './api/offerDownload';
import { CellDecorator } from './cells/CellDecorator';
import { createCellToolbarEditor } from './cells/CellToolbarEditor';
import { RunOutputsDecorator } from './cells/RunOutputsDecorator';
import { editCellTags } from './cells/TagEditorDialog';
import type { CompileDelivery } from './components/SidebarPanel';
import { cellpipeIcon } from './icons';
import { clearedInMemory, clearedInStateDb } from './models/clearedRunOutputs';
import { NotebookRunOutputs } from './models/NotebookRunOutputs';
import { RunComparison } from './models/RunComparison';
import { saveRunOutputsIntoNotebook } from './models/saveRunOutputs';
import { DEFAULT_SETTINGS, SidebarModel } from './models/SidebarModel';
import { CELL_TOOLBAR_ITEM, CommandIDs, EXAMPLES_PLUGIN_ID, ICellpipeModel, PLUGIN_ID, RUN_OUTPUTS_PLUGIN_ID, type CellpipeSettings } from './tokens';
import { CellpipeSidebar } from './widgets/CellpipeSidebar';
import { RunComparisonWidget } from './widgets/RunComparisonWidget';

/**
 * cellpipe in JupyterLab: the sidebar (pipeline settings, parameters, DAG, runs, logs), the cell
 * toolbar tag editor, live analysis and run status on the cells, and the commands.
 */
const cellpipePlugin: JupyterFrontEndPlugin<SidebarModel> = {
  id: PLUGIN_ID,
  description: 'Turn tagged notebooks into pipelines and run them from a sidebar.',
  autoStart: true,
  provides: ICellpipeModel,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry, IToolbarWidgetRegistry],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    toolbarRegistry: IToolbarWidgetRegistry | null
  ): SidebarModel => {
    const client = new CellpipeClient();
    const model = new SidebarModel(client);

    const compile = async (target: CompileTarget, delivery: CompileDelivery): Promise<void> => {
      const path = model.notebookPath;
      const result = await model.compile(target);
      if (!path || !result) {
        return;
      }
      if (delivery === 'download') {
        const names = downloadCompiled(path, result);
        model.setNotice(`Downloaded ${names.length > 1 ? `${names.length} files (${names.join(', ')})` : names[0]}: see your browser's downloads.`);
      } else {
        model.setNotice(`Saved ${await saveCompiled(app.serviceManager.contents, path, result)}`);
      }
    };

    const sidebar = new CellpipeSidebar(
      model,
      (target, delivery) => void compile(target, delivery),
      () => void app.commands.execute(CommandIDs.downloadExecutedNotebook),
      (path, runIds, sweepId) => void app.commands.execute(CommandIDs.compareRuns, { path, runIds, ...(sweepId ? { sweepId } : {}) })
    );
    app.shell.add(sidebar, 'left', { rank: 650 });
    restorer?.add(sidebar, sidebar.id);

    // Every open notebook gets a live pipeline and decorated cells; the sidebar follows the active one.
    notebooks.widgetAdded.connect((_, panel: NotebookPanel) => {
      void panel.context.ready.then(() => {
        const decorator = new CellDecorator(panel, model.pipelineOf(panel), model, cell => void editCellTags(cell, model.pipelineOf(panel)));
        panel.disposed.connect(() => decorator.dispose());
        if (notebooks.currentWidget === panel) {
          model.setPanel(panel);
        }
      });
    });
    const followActiveNotebook = (): void => {
      const panel = notebooks.currentWidget;
      if (!panel) {
        model.setPanel(null);
      } else if (panel.context.isReady) {
        model.setPanel(panel);
      }
    };
    notebooks.currentChanged.connect(followActiveNotebook);
    followActiveNotebook();

    toolbarRegistry?.addFactory<Cell>('Cell', CELL_TOOLBAR_ITEM, cell =>
      createCellToolbarEditor(cell, c => {
        const panel = notebooks.find(p => p.content.widgets.includes(c));
        return panel ? model.pipelineOf(panel) : null;
      })
    );

    const hasNotebook = (): boolean => !!notebooks.currentWidget;
    const runCommand = (execute: () => Promise<unknown>) => async () => {
      followActiveNotebook();
      await execute();
    };
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
    app.commands.addCommand(CommandIDs.compileAndRun, {
      label: 'Compile and Run the Notebook as a Pipeline',
      caption: 'Save, compile and run the notebook on the local backend',
      icon: cellpipeIcon,
      isEnabled: hasNotebook,
      execute: runCommand(() => model.compileAndRun())
    });
    app.commands.addCommand(CommandIDs.compile, {
      label: 'Compile the Notebook to an Argo Workflow (save next to it)',
      isEnabled: hasNotebook,
      execute: runCommand(() => compile('argo', 'save'))
    });
    app.commands.addCommand(CommandIDs.cancelRun, {
      label: 'Cancel the Running Pipeline',
      isEnabled: () => model.cancellable,
      execute: runCommand(() => model.cancel())
    });
    app.commands.addCommand(CommandIDs.retryRun, {
      label: 'Retry the Failed Pipeline Run',
      isEnabled: () => model.retryable,
      execute: runCommand(() => model.retry())
    });
    app.commands.addCommand(CommandIDs.compareRuns, {
      label: 'Compare the Picked Pipeline Runs',
      caption: 'Parameters, metrics and steps of the runs ticked in the sidebar, side by side',
      isEnabled: args => Array.isArray(args.runIds) || model.comparedRunIds.length >= 2,
      execute: args => {
        const path = typeof args.path === 'string' ? args.path : model.notebookPath;
        const runIds = Array.isArray(args.runIds) ? (args.runIds as string[]) : model.comparedRunIds;
        // A sweep's runs open as a comparison of their own, however few.
        const sweepId = typeof args.sweepId === 'string' ? args.sweepId : undefined;
        if (!path || runIds.length < (sweepId ? 1 : 2)) {
          return;
        }
        const id = `cellpipe-compare-${sweepId ?? `${path}-${runIds.join('-')}`}`;
        if ([...app.shell.widgets('main')].some(widget => widget.id === id)) {
          app.shell.activateById(id); // the same comparison is open already
          return;
        }
        const view = new MainAreaWidget({ content: new RunComparisonWidget(new RunComparison(client, path, runIds, sweepId)) });
        view.id = id;
        view.title.label = view.content.title.label;
        view.title.caption = view.content.title.caption;
        view.title.icon = cellpipeIcon;
        app.shell.add(view, 'main', { mode: 'split-right' });
        app.shell.activateById(view.id);
      }
    });
    app.commands.addCommand(CommandIDs.sweep, {
      label: 'Sweep the Pipeline Parameters…',
      caption: 'Run the notebook once per combination of parameter values, and compare the runs',
      icon: cellpipeIcon,
      isEnabled: hasNotebook,
      execute: async () => {
        followActiveNotebook();
        app.shell.activateById(sidebar.id);
        await sidebar.openSweepForm();
      }
    });
    app.commands.addCommand(CommandIDs.downloadExecutedNotebook, {
      label: 'Download the Executed Notebook',
      caption: "The notebook with every cell's outputs from the pipeline run the sidebar shows, numbered as Run All numbers them",
      isEnabled: () => !!model.run,
      execute: runCommand(async () => {
        const file = await model.executedNotebook();
        if (file) {
          offerDownload(file.fileName, file.content, 'application/x-ipynb+json');
        }
      })
    });
    // The run outputs plugin's commands too: a palette item waits for its command.
    for (const command of Object.values(CommandIDs)) {
      palette?.addItem({ command, category: 'cellpipe' });
    }

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const apply = (): void => {
            model.settings = { ...DEFAULT_SETTINGS, ...(settings.composite as unknown as Partial<CellpipeSettings>) };
          };
          settings.changed.connect(apply);
          apply();
        })
        .catch(reason => console.error('cellpipe: failed to load settings', reason));
    }
    void model.checkHealth();
    return model;
  }
};

/**
 * Each cell's outputs from the notebook's pipeline run, under the cell (never written into the
 * notebook unless asked), and the commands to clear them or save them into the notebook.
 */
const runOutputsPlugin: JupyterFrontEndPlugin<void> = {
  id: RUN_OUTPUTS_PLUGIN_ID,
  description: "Show each cell's outputs from the notebook's pipeline run under the cell.",
  autoStart: true,
  requires: [INotebookTracker, ICellpipeModel],
  optional: [ISettingRegistry, IStateDB],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    model: SidebarModel,
    settingRegistry: ISettingRegistry | null,
    state: IStateDB | null
  ) => {
    const client = new CellpipeClient();
    const cleared = state ? clearedInStateDb(state) : clearedInMemory();
    const shown = new Map<NotebookPanel, { outputs: NotebookRunOutputs; decorator: RunOutputsDecorator }>();
    let visible = DEFAULT_SETTINGS.showRunOutputs;

    notebooks.widgetAdded.connect((_, panel: NotebookPanel) => {
      void panel.context.ready.then(() => {
        const outputs = new NotebookRunOutputs(client, model, () => panel.context.path, cleared);
        const decorator = new RunOutputsDecorator(panel, outputs);
        decorator.visible = visible;
        shown.set(panel, { outputs, decorator });
        panel.disposed.connect(() => {
          decorator.dispose();
          outputs.dispose();
          shown.delete(panel);
        });
      });
    });

    const current = (): { panel: NotebookPanel; outputs: NotebookRunOutputs } | null => {
      const panel = notebooks.currentWidget;
      const entry = panel ? shown.get(panel) : undefined;
      return panel && entry ? { panel, outputs: entry.outputs } : null;
    };
    const hasRunOutputs = (): boolean => !!current()?.outputs.size;
    app.commands.addCommand(CommandIDs.clearRunOutputs, {
      label: 'Clear Pipeline Run Outputs',
      caption: "Remove the pipeline run's outputs from this notebook's cells (the notebook itself does not change)",
      isEnabled: hasRunOutputs,
      execute: () => current()?.outputs.clear()
    });
    app.commands.addCommand(CommandIDs.saveRunOutputs, {
      label: 'Save Pipeline Run Outputs into the Notebook',
      caption: "Copy the pipeline run's outputs into the cells' own outputs, with execution counts; then save the notebook",
      isEnabled: hasRunOutputs,
      execute: () => {
        const target = current();
        if (target?.panel.content.model) {
          saveRunOutputsIntoNotebook(target.panel.content.model, target.outputs);
        }
      }
    });
    app.commands.addCommand(CommandIDs.toggleRunOutputs, {
      label: 'Show Pipeline Run Outputs on Cells',
      caption: "Show each cell's outputs from the notebook's pipeline run under the cell",
      isToggled: () => visible,
      isEnabled: () => !!settingRegistry,
      execute: () => settingRegistry?.set(PLUGIN_ID, 'showRunOutputs', !visible)
    });

    settingRegistry
      ?.load(PLUGIN_ID)
      .then(settings => {
        const apply = (): void => {
          visible = settings.composite.showRunOutputs !== false;
          for (const { decorator } of shown.values()) {
            decorator.visible = visible;
          }
          app.commands.notifyCommandChanged(CommandIDs.toggleRunOutputs);
        };
        settings.changed.connect(apply);
        apply();
      })
      .catch(reason => console.error('cellpipe: failed to load settings', reason));
  }
};

/**
 * The notebooks of examples/ in the Launcher (a "cellpipe" section): one copies the example into
 * the folder the Launcher was opened in, under a free name, and opens it ready to run.
 */
const examplesPlugin: JupyterFrontEndPlugin<void> = {
  id: EXAMPLES_PLUGIN_ID,
  description: 'Example pipeline notebooks in the Launcher.',
  autoStart: true,
  requires: [ILauncher],
  activate: (app: JupyterFrontEnd, launcher: ILauncher) => {
    app.commands.addCommand(CommandIDs.openExample, {
      label: args => (typeof args.title === 'string' ? args.title : 'cellpipe Example Notebook'),
      caption: 'Copy this example pipeline notebook into the current folder and open it',
      icon: cellpipeIcon,
      execute: async args => {
        const example = EXAMPLE_NOTEBOOKS.find(e => e.fileName === args.fileName) ?? EXAMPLE_NOTEBOOKS[0];
        const path = await copyExample(app.serviceManager.contents, example, typeof args.cwd === 'string' ? args.cwd : '');
        return app.commands.execute('docmanager:open', { path, factory: 'Notebook' });
      }
    });
    EXAMPLE_NOTEBOOKS.forEach((example, rank) =>
      launcher.add({ command: CommandIDs.openExample, category: 'cellpipe', rank, args: { fileName: example.fileName, title: example.title } })
    );
  }
};

export default [cellpipePlugin, runOutputsPlugin, examplesPlugin];
