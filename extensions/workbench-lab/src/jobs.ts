/** The Jobs view: schedules, trigger bindings, recent runs and dead-lettered events. */
import { Widget } from '@lumino/widgets';

import { api, IBinding, IEvent, IParameter, IRun, ISchedule, part } from './api';
import { fill, h, message, seconds, when } from './dom';

/** What the view needs from the application. */
export interface IJobsHost {
  /** Open the notebook at `path` (relative to the Jupyter root) in Lab. */
  openPath(path: string): void;
}

type Row = (string | Node)[];

function table(kind: string, head: string[], rows: Row[], empty: string): HTMLElement {
  if (!rows.length) {
    return h('div', { class: `wb-lab-dim wb-lab-empty wb-lab-${kind}-empty` }, empty);
  }
  return h(
    'table',
    { class: `wb-lab-table wb-lab-${kind}` },
    h('thead', {}, h('tr', {}, ...head.map(c => h('th', {}, c)))),
    h('tbody', {}, ...rows.map(r => h('tr', {}, ...r.map(c => h('td', {}, c)))))
  );
}

/** A text input in a labelled field. */
function field(label: string, input: HTMLElement, help = ''): HTMLElement {
  return h(
    'label',
    { class: 'wb-lab-field' },
    h('span', { class: 'wb-lab-label' }, label),
    input,
    help ? h('div', { class: 'wb-lab-help' }, help) : null
  );
}

export class JobsView extends Widget {
  private notebook = h('input', { class: 'wb-lab-notebook', type: 'text', placeholder: 'path/to/notebook.ipynb' });
  private cron = h('input', { class: 'wb-lab-cron', type: 'text', placeholder: '0 7 * * *' });
  private tz = h('input', { class: 'wb-lab-tz', type: 'text', value: 'UTC' });
  private scheduleName = h('input', { class: 'wb-lab-schedule-name', type: 'text', placeholder: 'default: the file name' });
  private parameters = h('div', { class: 'wb-lab-parameters' });
  private on = h('input', { class: 'wb-lab-on', type: 'text', placeholder: 'shop_hooks.received' });
  private inputs = h('input', { class: 'wb-lab-inputs', type: 'text', placeholder: 'type=order.paid' });
  private status = h('div', { class: 'wb-lab-jobs-status' });
  private schedules = h('div', { class: 'wb-lab-schedules-area' });
  private bindings = h('div', { class: 'wb-lab-bindings-area' });
  private runs = h('div', { class: 'wb-lab-runs-area' });
  private dead = h('div', { class: 'wb-lab-dead-area' });
  private scheduleForm: HTMLElement;
  private bindingForm: HTMLElement;
  private parameterInputs: { [name: string]: HTMLInputElement } = {};

  constructor(private host: IJobsHost) {
    super();
    this.id = 'workbench-jobs';
    this.addClass('wb-lab-jobs');
    this.title.label = 'Workbench Jobs';
    this.notebook.addEventListener('change', () => void this.loadParameters());
    this.scheduleForm = h(
      'div',
      { class: 'wb-lab-card wb-lab-schedule-form' },
      h('div', { class: 'wb-lab-subtitle' }, 'Schedule a notebook'),
      field('notebook', this.notebook),
      field('cron', this.cron, 'minute hour day month weekday, such as 0 7 * * 1-5'),
      field('timezone', this.tz),
      field('name', this.scheduleName),
      this.parameters,
      h(
        'div',
        { class: 'wb-lab-buttons' },
        h('button', { class: 'jp-mod-styled jp-mod-accept wb-lab-add-schedule', onclick: () => void this.addSchedule() }, 'Add schedule'),
        h('button', { class: 'jp-mod-styled wb-lab-run-now', onclick: () => void this.runNotebook() }, 'Run now')
      )
    );
    this.bindingForm = h(
      'div',
      { class: 'wb-lab-card wb-lab-binding-form' },
      h('div', { class: 'wb-lab-subtitle' }, 'Bind the notebook to a trigger'),
      field('on', this.on, 'CONNECTION.TRIGGER'),
      field('inputs and filters', this.inputs, 'key=value pairs, separated by spaces'),
      h(
        'div',
        { class: 'wb-lab-buttons' },
        h('button', { class: 'jp-mod-styled jp-mod-accept wb-lab-add-binding', onclick: () => void this.addBinding() }, 'Add binding')
      )
    );
    this.node.append(
      h(
        'header',
        { class: 'wb-lab-header' },
        h('span', { class: 'wb-lab-title' }, 'Workbench Jobs'),
        h('button', { class: 'jp-mod-styled wb-lab-refresh', onclick: () => void this.refresh() }, 'Refresh')
      ),
      this.status,
      h('div', { class: 'wb-lab-forms' }, this.scheduleForm, this.bindingForm),
      h('section', { class: 'wb-lab-section' }, h('div', { class: 'wb-lab-section-title' }, 'Schedules'), this.schedules),
      h('section', { class: 'wb-lab-section' }, h('div', { class: 'wb-lab-section-title' }, 'Trigger bindings'), this.bindings),
      h('section', { class: 'wb-lab-section' }, h('div', { class: 'wb-lab-section-title' }, 'Recent runs'), this.runs),
      h('section', { class: 'wb-lab-section' }, h('div', { class: 'wb-lab-section-title' }, 'Dead letters'), this.dead)
    );
    void this.refresh();
  }

  /** Use the notebook at `path` in the forms (and read its parameters). */
  setNotebook(path: string): void {
    if (path && path !== this.notebook.value) {
      this.notebook.value = path;
      void this.loadParameters();
    }
  }

  /** Put the cursor in the cron field. */
  focusSchedule(): void {
    this.scheduleForm.scrollIntoView({ block: 'nearest' });
    this.cron.focus();
  }

  /** Put the cursor in the trigger field. */
  focusBinding(): void {
    this.bindingForm.scrollIntoView({ block: 'nearest' });
    this.on.focus();
  }

  private say(text: string, kind = 'info'): void {
    fill(this.status, message(text, kind));
  }

  private async loadParameters(): Promise<void> {
    this.parameterInputs = {};
    fill(this.parameters);
    const path = this.notebook.value.trim();
    if (!path) {
      return;
    }
    try {
      const found = await api<{ parameters: IParameter[] }>(`notebook/parameters?path=${encodeURIComponent(path)}`);
      const fields = found.parameters.map(p => {
        const input = h('input', {
          class: `wb-lab-parameter wb-lab-parameter-${p.name}`,
          type: 'text',
          placeholder: p.default === null ? '' : JSON.stringify(p.default)
        });
        this.parameterInputs[p.name] = input;
        return field(`${p.name} (${p.type})`, input);
      });
      fill(this.parameters, fields.length ? h('div', { class: 'wb-lab-help' }, 'parameters (empty: the default)') : null, ...fields);
    } catch (error) {
      fill(this.parameters, message((error as Error).message, 'error'));
    }
  }

  private parameterValues(): { [name: string]: string } {
    const values: { [name: string]: string } = {};
    for (const [name, input] of Object.entries(this.parameterInputs)) {
      if (input.value !== '') {
        values[name] = input.value;
      }
    }
    return values;
  }

  private async addSchedule(): Promise<void> {
    const body = {
      notebook: this.notebook.value.trim(),
      cron: this.cron.value.trim(),
      tz: this.tz.value.trim() || 'UTC',
      name: this.scheduleName.value.trim() || null,
      parameters: this.parameterValues()
    };
    try {
      const added = await api<ISchedule>('schedules', 'POST', body);
      this.say(`added schedule ${added.name}: next run ${when(added.next)}`, 'ok');
      await this.refresh(false);
    } catch (error) {
      this.say((error as Error).message, 'error');
    }
  }

  /** Run the notebook of the form (or `body`) now, as a job, and show how it ended. */
  async runNotebook(body?: { [name: string]: unknown }): Promise<void> {
    const request = body ?? { notebook: this.notebook.value.trim(), parameters: this.parameterValues() };
    this.say(`running ${request.schedule ?? request.notebook}…`);
    try {
      const run = await api<IRun>('runs', 'POST', request);
      const error = run.error_message ? `: ${run.error_class}: ${run.error_message}` : '';
      this.say(`run ${run.id} of ${run.job} ${run.status} in ${seconds(run.duration)}${error}`, run.status === 'succeeded' ? 'ok' : 'error');
    } catch (error) {
      this.say((error as Error).message, 'error');
    }
    await this.refresh(false);
  }

  private async addBinding(): Promise<void> {
    const inputs: { [key: string]: string } = {};
    for (const word of this.inputs.value.split(/\s+/).filter(Boolean)) {
      const at = word.indexOf('=');
      if (at < 1) {
        this.say(`${word}: expected key=value`, 'error');
        return;
      }
      inputs[word.slice(0, at)] = word.slice(at + 1);
    }
    const body = { notebook: this.notebook.value.trim(), on: this.on.value.trim(), inputs, parameters: this.parameterValues() };
    try {
      const added = await api<IBinding>('bindings', 'POST', body);
      this.say(`added binding ${added.name} on ${added.source}`, 'ok');
      await this.refresh(false);
    } catch (error) {
      this.say((error as Error).message, 'error');
    }
  }

  private async change(name: string, verb: 'pause' | 'resume'): Promise<void> {
    try {
      await api<ISchedule>(`schedules/${part(name)}/${verb}`, 'POST', {});
      this.say(`${verb === 'pause' ? 'paused' : 'resumed'} schedule ${name}`, 'ok');
    } catch (error) {
      this.say((error as Error).message, 'error');
    }
    await this.refresh(false);
  }

  private async replay(id: string): Promise<void> {
    try {
      const again = await api<{ deliveries: unknown[] }>(`events/${part(id)}/replay`, 'POST', {});
      this.say(`replaying event ${id}: ${again.deliveries.length} ${again.deliveries.length === 1 ? "delivery" : "deliveries"}`, "ok");
    } catch (error) {
      this.say((error as Error).message, 'error');
    }
    await this.refresh(false);
  }

  /** Read every list again (`clear`: also empty the status line). */
  async refresh(clear = true): Promise<void> {
    if (clear) {
      fill(this.status);
    }
    const load = async <T>(path: string, host: HTMLElement, show: (rows: T) => HTMLElement): Promise<void> => {
      try {
        fill(host, show(await api<T>(path)));
      } catch (error) {
        fill(host, message((error as Error).message, 'error'));
      }
    };
    const button = (label: string, kind: string, act: () => void): HTMLElement =>
      h('button', { class: `jp-mod-styled wb-lab-${kind}`, onclick: act }, label);
    await Promise.all([
      load<ISchedule[]>('schedules', this.schedules, rows =>
        table(
          'schedules',
          ['name', 'cron', 'state', 'next', 'last', 'notebook', ''],
          rows.map(s => [
            s.name,
            `${s.cron} (${s.tz})`,
            h('span', { class: `wb-lab-state wb-lab-state-${s.state}` }, s.state),
            when(s.next),
            s.last ? `${when(s.last.slot)} ${s.last.state}` : '',
            s.notebook,
            h(
              'span',
              { class: 'wb-lab-row-buttons', 'data-name': s.name },
              s.state === 'paused'
                ? button('Resume', 'resume', () => void this.change(s.name, 'resume'))
                : button('Pause', 'pause', () => void this.change(s.name, 'pause')),
              button('Run now', 'run-schedule', () => void this.runNotebook({ schedule: s.name }))
            )
          ]),
          'no schedules'
        )
      ),
      load<IBinding[]>('bindings', this.bindings, rows =>
        table(
          'bindings',
          ['name', 'source', 'filters', 'state', 'notebook'],
          rows.map(b => [
            b.name,
            b.source,
            Object.entries(b.filters).map(([k, v]) => `${k}=${v}`).join(' '),
            b.state,
            b.notebook ?? ''
          ]),
          'no trigger bindings'
        )
      ),
      load<IRun[]>('runs?limit=20', this.runs, rows =>
        table(
          'runs',
          ['run', 'job', 'status', 'started', 'duration', 'output'],
          rows.map(r => [
            r.id,
            r.job,
            h('span', { class: `wb-lab-state wb-lab-state-${r.status}`, title: r.error_message ?? '' }, r.status),
            when(r.started_at),
            seconds(r.duration),
            this.outputLink(r)
          ]),
          'no runs yet'
        )
      ),
      load<IEvent[]>('events?dead=1', this.dead, rows =>
        table(
          'dead',
          ['event', 'received', 'source', 'type', 'state', ''],
          rows.map(e => [
            e.inbox_id,
            when(e.received),
            e.source,
            e.type,
            e.state,
            button('Replay', 'replay', () => void this.replay(e.inbox_id))
          ]),
          'no dead letters'
        )
      )
    ]);
  }

  private outputLink(run: IRun): Node | string {
    if (run.output_path) {
      const path = run.output_path;
      return h('button', { class: 'wb-lab-link wb-lab-output', onclick: () => this.host.openPath(path) }, path);
    }
    if (run.output) {
      return h(
        'a',
        { class: 'wb-lab-output', href: '#', title: run.output, onclick: (event: Event) => { event.preventDefault(); void this.download(run); } },
        run.output.split('/').pop() ?? run.output
      );
    }
    return '';
  }

  private async download(run: IRun): Promise<void> {
    try {
      const notebook = await api<unknown>(`runs/${part(run.id)}/notebook`);
      const blob = new Blob([JSON.stringify(notebook, null, 1)], { type: 'application/x-ipynb+json' });
      const link = h('a', { href: URL.createObjectURL(blob), download: `${run.job}-${run.id}.ipynb` });
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (error) {
      this.say((error as Error).message, 'error');
    }
  }
}
