/**
 * DOM building for the report page. Every string from the data goes in through `textContent` or
 * `setAttribute` (never `innerHTML`): names, paths and messages are untrusted.
 */

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined>;

/** `h('a', { href: '#x', class: 'link' }, 'text', child)`: an element with attributes and text or element children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function clear(element: Element): void {
  while (element.firstChild) element.removeChild(element.firstChild);
}

/** A link to a repository's view: the name only ever reaches the fragment, encoded. */
export function repositoryHref(name: string): string {
  return `#repository=${encodeURIComponent(name)}`;
}
