/** The Workbench sidebar: connections with their check status, the catalog, and actions. */
import { Widget } from '@lumino/widgets';

import { api, IAction, IActionRow, ICheck, IConnection, IConnector, part } from './api';
import { showConnectionForm } from './connectionForm';
import { fill, h, message } from './dom';
import { SchemaForm } from './form';

/** What the sidebar needs from the application. */
export interface ISidebarHost {
  /** Add `code` as a new cell of the active notebook; false when there is none. */
  insertCell(code: string): boolean;
  /** Open the Jobs view. */
  openJobs(): void;
}

export class WorkbenchSidebar extends Widget {
  private connectionList = h('ul', { class: 'wb-lab-list wb-lab-connections' });
  private editor = h('div', { class: 'wb-lab-editor' });
  private catalogList = h('ul', { class: 'wb-lab-list wb-lab-catalog-list' });
  private search = h('input', {
    class: 'wb-lab-search',
    type: 'search',
    placeholder: 'Search connectors and actions'
  });
  private actionArea = h('div', { class: 'wb-lab-actions' });
  private status = h('div', { class: 'wb-lab-sidebar-status' });
  private connectors: IConnector[] = [];
  private connections: IConnection[] = [];

  constructor(private host: ISidebarHost) {
    super();
    this.id = 'workbench-sidebar';
    this.addClass('wb-lab-sidebar');
    this.title.caption = 'Workbench';
    let timer = 0;
    this.search.addEventListener('input', () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void this.loadCatalog(), 200);
    });
    this.node.append(
      h(
        'header',
        { class: 'wb-lab-header' },
        h('span', { class: 'wb-lab-title' }, 'Workbench'),
        h('button', { class: 'jp-mod-styled wb-lab-open-jobs', onclick: () => this.host.openJobs() }, 'Jobs'),
        h('button', { class: 'jp-mod-styled wb-lab-refresh', title: 'Refresh', onclick: () => void this.refresh() }, '↻')
      ),
      this.status,
      h(
        'section',
        { class: 'wb-lab-section wb-lab-connections-section' },
        h(
          'div',
          { class: 'wb-lab-section-title' },
          'Connections',
          h('button', { class: 'jp-mod-styled wb-lab-add-connection', onclick: () => void this.edit(undefined) }, 'Add')
        ),
        this.connectionList,
        this.editor
      ),
      h(
        'section',
        { class: 'wb-lab-section wb-lab-catalog' },
        h('div', { class: 'wb-lab-section-title' }, 'Catalog'),
        this.search,
        this.catalogList
      ),
      h('section', { class: 'wb-lab-section wb-lab-action-section' }, this.actionArea)
    );
    void this.refresh();
  }

  /** Read the connections and the catalog again, and check each connection. */
  async refresh(): Promise<void> {
    fill(this.status);
    await Promise.all([this.loadConnections(), this.loadCatalog()]);
  }

  private async loadConnections(): Promise<void> {
    try {
      this.connections = await api<IConnection[]>('connections');
    } catch (error) {
      fill(this.status, message((error as Error).message, 'error'));
      return;
    }
    fill(this.connectionList, ...this.connections.map(c => this.connectionItem(c)));
    for (const connection of this.connections) {
      void this.check(connection.name);
    }
  }

  private connectionItem(connection: IConnection): HTMLElement {
    const settings = Object.entries(connection.fields)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n');
    return h(
      'li',
      { class: 'wb-lab-connection', 'data-name': connection.name, title: settings },
      h('span', { class: 'wb-lab-status', 'data-status': 'checking', title: 'checking…' }),
      h(
        'button',
        { class: 'wb-lab-link wb-lab-connection-name', onclick: () => void this.showActions(connection.name) },
        connection.name
      ),
      h('span', { class: 'wb-lab-dim' }, connection.connector),
      h('button', { class: 'wb-lab-link wb-lab-edit', title: `Edit ${connection.name}`, onclick: () => void this.edit(connection.name) }, 'edit')
    );
  }

  private async check(name: string): Promise<void> {
    const item = this.connectionList.querySelector(`li[data-name="${CSS.escape(name)}"]`);
    const dot = item?.querySelector('.wb-lab-status') as HTMLElement | null;
    if (!dot) {
      return;
    }
    try {
      const checked = await api<ICheck>(`connections/${part(name)}/check`, 'POST', {});
      dot.dataset.status = checked.ok ? 'ok' : 'failed';
      dot.title = checked.message;
    } catch (error) {
      dot.dataset.status = 'failed';
      dot.title = (error as Error).message;
    }
  }

  private async edit(name: string | undefined): Promise<void> {
    const existing = name ? await api<IConnection>(`connections/${part(name)}`) : undefined;
    if (!this.connectors.length) {
      this.connectors = await api<IConnector[]>('catalog');
    }
    await showConnectionForm(this.editor, this.connectors, existing, () => {
      void this.loadConnections();
    });
  }

  private async loadCatalog(): Promise<void> {
    const query = this.search.value.trim();
    try {
      const rows = await api<IConnector[]>(`catalog${query ? `?q=${encodeURIComponent(query)}` : ''}`);
      if (!query) {
        this.connectors = rows;
      }
      fill(
        this.catalogList,
        ...rows.map(c =>
          h(
            'li',
            { class: 'wb-lab-catalog-item', 'data-name': c.name, title: c.description },
            h('button', { class: 'wb-lab-link', onclick: () => void this.showActions(c.name) }, c.name),
            h('span', { class: 'wb-lab-dim' }, `${c.title} · ${c.actions} actions`)
          )
        ),
        rows.length ? null : h('li', { class: 'wb-lab-dim' }, 'no connectors match')
      );
    } catch (error) {
      fill(this.catalogList, message((error as Error).message, 'error'));
    }
  }

  /** List the actions of a connection (or connector) `name`. */
  async showActions(name: string): Promise<void> {
    const filter = h('input', { class: 'wb-lab-action-search', type: 'search', placeholder: `Search ${name}'s actions` });
    const list = h('ul', { class: 'wb-lab-list wb-lab-action-list' });
    const detail = h('div', { class: 'wb-lab-action-detail' });
    fill(
      this.actionArea,
      h('div', { class: 'wb-lab-section-title' }, `Actions of ${name}`),
      filter,
      list,
      detail
    );
    let rows: IActionRow[];
    try {
      rows = await api<IActionRow[]>(`actions/${part(name)}`);
    } catch (error) {
      fill(list, message((error as Error).message, 'error'));
      return;
    }
    const show = (): void => {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      const shown = rows.filter(r => words.every(w => `${r.name} ${r.summary}`.toLowerCase().includes(w)));
      fill(
        list,
        ...shown.map(r =>
          h(
            'li',
            { class: 'wb-lab-action-item', 'data-name': r.name, title: r.inputs },
            h('button', { class: 'wb-lab-link', onclick: () => void this.showAction(name, r.name, detail) }, r.name),
            h('span', { class: 'wb-lab-dim' }, r.summary)
          )
        )
      );
    };
    filter.addEventListener('input', show);
    show();
    this.actionArea.scrollIntoView({ block: 'nearest' });
  }

  private async showAction(name: string, action: string, host: HTMLElement): Promise<void> {
    let spec: IAction;
    try {
      spec = await api<IAction>(`actions/${part(name)}/${part(action)}`);
    } catch (error) {
      fill(host, message((error as Error).message, 'error'));
      return;
    }
    const form = new SchemaForm(spec.schema);
    const status = h('div', { class: 'wb-lab-form-status' });
    const insert = async (): Promise<void> => {
      try {
        const inputs = form.values();
        const answer = await api<{ code: string }>('code', 'POST', { connection: name, action, inputs });
        if (this.host.insertCell(answer.code)) {
          fill(status, message('inserted into the notebook', 'ok'));
        } else {
          fill(status, message('open a notebook first', 'error'));
        }
      } catch (error) {
        fill(status, message((error as Error).message, 'error'));
      }
    };
    fill(
      host,
      h('div', { class: 'wb-lab-subtitle' }, `${name}.${action}`),
      spec.summary ? h('div', { class: 'wb-lab-help' }, spec.summary) : null,
      form.node,
      h(
        'div',
        { class: 'wb-lab-buttons' },
        h('button', { class: 'jp-mod-styled jp-mod-accept wb-lab-insert', onclick: () => void insert() }, 'Insert into notebook')
      ),
      status
    );
  }
}
