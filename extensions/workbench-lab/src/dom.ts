/** A small helper to build DOM elements. */

type Child = Node | string | null | undefined | false;

/** An element of `tag` with attributes (`class`, `on*` handlers, others) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: { [name: string]: any } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'class') {
      element.className = String(value);
    } else if (name in element && typeof value !== 'string') {
      (element as any)[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child);
    }
  }
  return element;
}

/** Replace the children of `element`. */
export function fill(element: HTMLElement, ...children: Child[]): void {
  element.replaceChildren();
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child);
    }
  }
}

/** A one-line message: `kind` is info, error or ok. */
export function message(text: string, kind = 'info'): HTMLElement {
  return h('div', { class: `wb-lab-message wb-lab-${kind}` }, text);
}

/** A duration in seconds as text, such as "1.25 s". */
export function seconds(value: number | null): string {
  return value === null || value === undefined ? '' : `${value.toFixed(2)} s`;
}

/** An ISO time as local text, to the second. */
export function when(value: string | null): string {
  if (!value) {
    return '';
  }
  const date = new Date(value);
  return isNaN(date.getTime()) ? value : date.toLocaleString();
}
