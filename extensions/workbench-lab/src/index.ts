/** The Workbench extension: the sidebar, the Jobs view and the notebook commands. */
import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, Notification, ToolbarButton } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { api, IRun } from './api';
import { seconds } from './dom';
import { JobsView } from './jobs';
import { WorkbenchSidebar } from './sidebar';

const ICON = new LabIcon({
  name: 'workbench-lab:icon',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16">' +
    '<path class="jp-icon3" fill="#616161" d="M3 4h18v4H3zm0 6h8v10H3zm10 0h8v4h-8zm0 6h8v4h-8z"/></svg>'
});

export const COMMANDS = {
  openJobs: 'workbench:open-jobs',
  run: 'workbench:run-notebook',
  schedule: 'workbench:schedule-notebook',
  bind: 'workbench:bind-notebook'
};

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'workbench-lab:plugin',
  description: 'The Workbench sidebar, Jobs view and notebook commands.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    let jobs: MainAreaWidget<JobsView> | null = null;
    const openJobs = (path?: string): JobsView => {
      if (!jobs || jobs.isDisposed) {
        const content = new JobsView({
          openPath: path => void app.commands.execute('docmanager:open', { path })
        });
        jobs = new MainAreaWidget({ content });
        jobs.id = 'workbench-jobs-view';
        jobs.title.label = 'Workbench Jobs';
        jobs.title.icon = ICON;
        jobs.title.closable = true;
      }
      if (!jobs.isAttached) {
        app.shell.add(jobs, 'main');
      } else {
        void jobs.content.refresh();
      }
      app.shell.activateById(jobs.id);
      const notebook = path ?? tracker.currentWidget?.context.path;
      if (notebook) {
        jobs.content.setNotebook(notebook);
      }
      return jobs.content;
    };

    const sidebar = new WorkbenchSidebar({
      insertCell: (code: string) => {
        const panel = tracker.currentWidget;
        if (!panel) {
          return false;
        }
        const notebook = panel.content;
        const active = notebook.activeCell;
        const empty = active?.model.type === 'code' && active.model.sharedModel.getSource() === '';
        if (!empty) {
          NotebookActions.insertBelow(notebook);
        }
        const cell = notebook.activeCell;
        if (!cell) {
          return false;
        }
        cell.model.sharedModel.setSource(code);
        app.shell.activateById(panel.id);
        return true;
      },
      openJobs: () => void openJobs()
    });
    sidebar.title.icon = ICON;
    app.shell.add(sidebar, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(sidebar, 'workbench-sidebar');
    }

    /** The notebook a command acts on: the one of `args.path`, else the current one. */
    const current = (args: ReadonlyPartialJSONObject = {}): NotebookPanel | null => {
      const path = typeof args.path === 'string' ? args.path : null;
      return path ? tracker.find(p => p.context.path === path) ?? null : tracker.currentWidget;
    };
    const hasNotebook = (args: ReadonlyPartialJSONObject): boolean => current(args) !== null;

    app.commands.addCommand(COMMANDS.openJobs, {
      label: 'Open Workbench Jobs',
      caption: 'Schedules, trigger bindings, recent runs and dead letters',
      icon: ICON,
      execute: () => void openJobs()
    });
    app.commands.addCommand(COMMANDS.run, {
      label: 'Run this notebook as a job',
      caption: 'Save it, run it headless as wb run does, and record the run',
      isEnabled: hasNotebook,
      execute: async args => {
        const panel = current(args);
        if (!panel) {
          return;
        }
        await panel.context.save();
        const path = panel.context.path;
        const id = Notification.emit(`Running ${path} as a job…`, 'in-progress', { autoClose: false });
        try {
          const run = await api<IRun>('runs', 'POST', { notebook: path });
          const ok = run.status === 'succeeded';
          const detail = run.error_message ? `: ${run.error_message}` : '';
          Notification.update({
            id,
            message: `Run ${run.id} of ${run.job} ${run.status} in ${seconds(run.duration)}${detail}`,
            type: ok ? 'success' : 'error',
            autoClose: 8000
          });
        } catch (error) {
          Notification.update({ id, message: (error as Error).message, type: 'error', autoClose: 8000 });
        }
        if (jobs && !jobs.isDisposed) {
          void jobs.content.refresh(false);
        }
      }
    });
    app.commands.addCommand(COMMANDS.schedule, {
      label: 'Schedule this notebook',
      caption: 'Open the Jobs view with this notebook in the schedule form',
      isEnabled: hasNotebook,
      execute: args => openJobs(current(args)?.context.path).focusSchedule()
    });
    app.commands.addCommand(COMMANDS.bind, {
      label: 'Bind this notebook to a trigger',
      caption: 'Open the Jobs view with this notebook in the binding form',
      isEnabled: hasNotebook,
      execute: args => openJobs(current(args)?.context.path).focusBinding()
    });
    if (palette) {
      for (const command of Object.values(COMMANDS)) {
        palette.addItem({ command, category: 'Workbench' });
      }
    }

    tracker.widgetAdded.connect((_, panel) => {
      const names: [string, string, string][] = [
        ['workbench-run', COMMANDS.run, 'Run as job'],
        ['workbench-schedule', COMMANDS.schedule, 'Schedule'],
        ['workbench-bind', COMMANDS.bind, 'Bind to trigger']
      ];
      for (const [name, id, label] of names) {
        const button = new ToolbarButton({
          label,
          tooltip: app.commands.label(id),
          onClick: () => void app.commands.execute(id, { path: panel.context.path })
        });
        button.addClass(`wb-lab-toolbar-${name}`);
        panel.toolbar.insertAfter('cellType', name, button);
      }
    });
    tracker.currentChanged.connect(() => {
      for (const id of [COMMANDS.run, COMMANDS.schedule, COMMANDS.bind]) {
        app.commands.notifyCommandChanged(id);
      }
    });
  }
};

export default plugin;
