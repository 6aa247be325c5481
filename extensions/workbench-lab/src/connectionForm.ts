/** The add/edit form of a connection: connector, name, its settings; secrets to the store. */
import { api, IConnection, IConnector, ISchema, part } from './api';
import { fill, h, message } from './dom';
import { SchemaForm } from './form';

interface IFields {
  connector: string;
  schema: ISchema;
  secret: string[];
}

/**
 * Show the form in `host`: a new connection when `existing` is undefined, else an edit
 * of it. `done` is called after a save.
 */
export async function showConnectionForm(
  host: HTMLElement,
  connectors: IConnector[],
  existing: IConnection | undefined,
  done: (name: string) => void
): Promise<void> {
  const picker = h(
    'select',
    { class: 'wb-lab-connector', disabled: existing !== undefined },
    ...connectors.map(c => h('option', { value: c.name }, `${c.name} — ${c.title}`))
  );
  const name = h('input', {
    class: 'wb-lab-connection-name',
    type: 'text',
    placeholder: 'name, such as crm',
    disabled: existing !== undefined
  });
  const settings = h('div', { class: 'wb-lab-settings' });
  const status = h('div', { class: 'wb-lab-form-status' });
  let form: SchemaForm | undefined;
  let fields: IFields | undefined;

  const load = async (): Promise<void> => {
    try {
      fields = await api<IFields>(`connectors/${part(picker.value)}/fields`);
      form = new SchemaForm(fields.schema, fields.secret, existing?.fields ?? {});
      fill(settings, form.node);
    } catch (error) {
      fill(settings, message(String((error as Error).message), 'error'));
    }
  };

  const save = async (): Promise<void> => {
    if (!form || !fields) {
      return;
    }
    let values: { [name: string]: unknown };
    try {
      values = form.values();
    } catch (error) {
      fill(status, message((error as Error).message, 'error'));
      return;
    }
    const secrets: { [name: string]: unknown } = {};
    for (const key of form.secretNames()) {
      if (key in values) {
        secrets[key] = values[key];
        delete values[key];
      }
    }
    const body = { name: name.value, connector: picker.value, fields: values, secrets };
    try {
      const saved = existing
        ? await api<IConnection>(`connections/${part(existing.name)}`, 'PUT', body)
        : await api<IConnection>('connections', 'POST', body);
      form.clearSecrets();
      fill(status, message(`saved connection ${saved.name}`, 'ok'));
      done(saved.name);
    } catch (error) {
      form.clearSecrets();
      fill(status, message((error as Error).message, 'error'));
    }
  };

  if (existing) {
    if (!connectors.some(c => c.name === existing.connector)) {
      picker.append(h('option', { value: existing.connector }, existing.connector));
    }
    picker.value = existing.connector;
    name.value = existing.name;
  }
  picker.addEventListener('change', () => void load());
  fill(
    host,
    h(
      'div',
      { class: 'wb-lab-connection-form' },
      h('div', { class: 'wb-lab-subtitle' }, existing ? `Edit ${existing.name}` : 'Add a connection'),
      h('label', { class: 'wb-lab-field' }, h('span', { class: 'wb-lab-label' }, 'connector'), picker),
      h('label', { class: 'wb-lab-field' }, h('span', { class: 'wb-lab-label' }, 'name'), name),
      settings,
      h(
        'div',
        { class: 'wb-lab-buttons' },
        h('button', { class: 'jp-mod-styled jp-mod-accept wb-lab-save', onclick: () => void save() }, 'Save'),
        h('button', { class: 'jp-mod-styled wb-lab-cancel', onclick: () => fill(host) }, 'Cancel')
      ),
      status
    )
  );
  await load();
}
