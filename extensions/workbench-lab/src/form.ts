/** A form built from a JSON Schema's properties: one field per input, with its help text. */
import { h } from './dom';
import { ISchema } from './api';

/** What kind of control a property gets. */
type Kind = 'text' | 'long' | 'number' | 'integer' | 'flag' | 'choice' | 'json' | 'secret';

interface IField {
  name: string;
  kind: Kind;
  input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
  row: HTMLElement;
  error: HTMLElement;
  fallback: string;
}

const EXTRA = '__extra__';
const LONG = /^(sql|query|body|text|content|script|statement)$/;

/** The type of a property, looking through `anyOf` (an optional value is `X | null`). */
function typeOf(schema: ISchema): string {
  if (Array.isArray(schema.type)) {
    return schema.type.find(t => t !== 'null') ?? 'string';
  }
  if (schema.type) {
    return schema.type;
  }
  const options = (schema.anyOf ?? []).filter(s => s.type !== 'null');
  return options.length === 1 ? typeOf(options[0]) : options.length ? 'json' : 'string';
}

function kindOf(name: string, schema: ISchema, secret: boolean): Kind {
  const inner = (schema.anyOf ?? []).find(s => s.type !== 'null') ?? schema;
  if (secret || schema.format === 'password' || inner.format === 'password') {
    return 'secret';
  }
  if (schema.enum || inner.enum) {
    return 'choice';
  }
  const type = typeOf(schema);
  if (type === 'boolean') {
    return 'flag';
  }
  if (type === 'integer' || type === 'number') {
    return type;
  }
  if (type === 'object' || type === 'array' || type === 'json') {
    return 'json';
  }
  return LONG.test(name) ? 'long' : 'text';
}

/** The fields of a schema, and the values typed into them. */
export class SchemaForm {
  readonly node: HTMLElement;
  private fields: IField[] = [];

  /**
   * @param schema the object schema whose properties become fields
   * @param secret names of properties to show as password boxes
   * @param initial display text to start from (a secret field always starts empty)
   */
  constructor(
    schema: ISchema,
    secret: string[] = [],
    initial: { [name: string]: string } = {}
  ) {
    this.node = h('div', { class: 'wb-lab-form' });
    const required = new Set(schema.required ?? []);
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      const kind = kindOf(name, property, secret.includes(name));
      const field = this.field(name, kind, property, required.has(name), initial[name]);
      this.fields.push(field);
      this.node.append(field.row);
    }
    if (schema.additionalProperties === true) {
      const extra: ISchema = {
        type: 'object',
        title: 'other arguments',
        description: 'More keyword arguments as a JSON object, such as {"status": "shipped"}'
      };
      const field = this.field(EXTRA, 'json', extra, false, undefined);
      this.fields.push(field);
      this.node.append(field.row);
    }
  }

  private field(
    name: string,
    kind: Kind,
    schema: ISchema,
    required: boolean,
    initial: string | undefined
  ): IField {
    let input: IField['input'];
    const start = kind === 'secret' ? '' : initial ?? defaultText(schema);
    if (kind === 'long' || kind === 'json') {
      input = h('textarea', { rows: kind === 'long' ? 4 : 2, spellcheck: 'false' });
      input.value = start;
    } else if (kind === 'choice') {
      const choices = (schema.enum ?? schema.anyOf?.find(s => s.enum)?.enum ?? []).map(String);
      input = h('select', {}, ...['', ...choices].map(c => h('option', { value: c }, c)));
      input.value = start;
    } else if (kind === 'flag') {
      input = h('input', { type: 'checkbox' });
      input.checked = start === 'true';
    } else {
      const type = kind === 'secret' ? 'password' : kind === 'text' ? 'text' : 'number';
      input = h('input', { type, autocomplete: kind === 'secret' ? 'new-password' : 'off' });
      input.value = start;
      if (kind === 'secret' && initial) {
        input.placeholder = `kept: ${initial}`;
      }
    }
    input.name = name;
    const label = schema.title ?? name;
    const help = schema.description
      ? h('div', { class: 'wb-lab-help' }, schema.description)
      : null;
    const error = h('div', { class: 'wb-lab-field-error' });
    const row = h(
      'label',
      { class: `wb-lab-field wb-lab-field-${name}`, 'data-kind': kind },
      h('span', { class: 'wb-lab-label' }, label, required ? ' *' : ''),
      input,
      help,
      error
    );
    return { name, kind, input, row, error, fallback: defaultText(schema) };
  }

  /** The values typed in, converted to their types; empty fields are left out. */
  values(): { [name: string]: unknown } {
    const found: { [name: string]: unknown } = {};
    for (const field of this.fields) {
      field.error.textContent = '';
      const input = field.input;
      if (field.kind === 'flag') {
        const checked = (input as HTMLInputElement).checked;
        if (checked !== (field.fallback === 'true')) {
          found[field.name] = checked;
        }
        continue;
      }
      const text = input.value;
      if (text === '' || text === field.fallback) {
        continue;
      }
      if (field.kind === 'integer' || field.kind === 'number') {
        const value = Number(text);
        if (Number.isNaN(value)) {
          field.error.textContent = 'expected a number';
          throw new Error(`${field.name}: expected a number`);
        }
        found[field.name] = value;
      } else if (field.kind === 'json') {
        try {
          const value = JSON.parse(text);
          if (field.name === EXTRA && value && typeof value === 'object') {
            Object.assign(found, value);
          } else {
            found[field.name] = value;
          }
        } catch {
          field.error.textContent = 'expected JSON';
          throw new Error(`${field.name}: expected JSON, such as {"key": "value"}`);
        }
      } else {
        found[field.name] = text;
      }
    }
    return found;
  }

  /** The names of the secret fields. */
  secretNames(): string[] {
    return this.fields.filter(f => f.kind === 'secret').map(f => f.name);
  }

  /** Empty every password box (a value typed in never stays in the page). */
  clearSecrets(): void {
    for (const field of this.fields) {
      if (field.kind === 'secret') {
        field.input.value = '';
      }
    }
  }
}

function defaultText(schema: ISchema): string {
  const value = schema.default;
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
