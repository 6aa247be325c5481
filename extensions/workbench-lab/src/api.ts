/** Calls to the Workbench API of the Jupyter server (workbench/lab in the Python package). */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** A JSON Schema, as the server sends it (only what the forms read). */
export interface ISchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  format?: string;
  anyOf?: ISchema[];
  properties?: { [name: string]: ISchema };
  required?: string[];
  writeOnly?: boolean;
  additionalProperties?: boolean | ISchema;
}

export interface IConnection {
  name: string;
  connector: string;
  fields: { [name: string]: string };
  source: string;
  secret_fields?: string[];
}

export interface ICheck {
  name: string;
  ok: boolean;
  message: string;
}

export interface IConnector {
  name: string;
  title: string;
  category: string;
  description: string;
  actions: number;
  triggers: number;
}

export interface IActionRow {
  name: string;
  summary: string;
  inputs: string;
}

export interface IAction {
  connection: string;
  name: string;
  summary: string;
  doc: string;
  schema: ISchema;
}

export interface IParameter {
  name: string;
  type: string;
  default: unknown;
}

export interface ISchedule {
  name: string;
  notebook: string;
  cron: string;
  tz: string;
  state: string;
  next: string | null;
  last: { slot: string; state: string } | null;
  parameters: { [name: string]: unknown };
}

export interface IBinding {
  name: string;
  on: string;
  source: string;
  notebook: string | null;
  state: string;
  filters: { [name: string]: string };
}

export interface IRun {
  id: string;
  job: string;
  notebook: string;
  status: string;
  started_at: string | null;
  duration: number | null;
  output: string | null;
  output_path: string | null;
  error_class: string | null;
  error_message: string | null;
}

export interface IEvent {
  inbox_id: string;
  received: string;
  source: string;
  event_id: string;
  type: string;
  state: string;
}

/** An answer of the API that is not a success: what the server said is wrong. */
export class APIError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

/** Send a request to /workbench/api/PATH and return the decoded JSON answer. */
export async function api<T>(
  path: string,
  method = 'GET',
  body?: unknown
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'workbench', 'api', path);
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
  }
  const response = await ServerConnection.makeRequest(url, init, settings);
  const text = await response.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (!response.ok) {
    const message = data && data.message ? data.message : response.statusText;
    throw new APIError(response.status, message);
  }
  return data as T;
}

/** A path segment, escaped. */
export function part(name: string): string {
  return encodeURIComponent(name);
}
