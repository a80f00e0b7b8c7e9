// A small DOM builder: elements from a tag, properties and children. Text always goes in as
// text nodes, so nothing a record or a topic name holds is ever parsed as HTML.

export type Child = Node | string | number | null | undefined | false | Child[];

export type Props = Record<string, string | number | boolean | EventListener | null | undefined>;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const each of child) append(parent, each);
    return;
  }
  parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === "value" && "value" in element) (element as HTMLInputElement).value = String(value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

const svgNamespace = "http://www.w3.org/2000/svg";

export function svg(tag: string, attributes: Record<string, string | number> = {}, ...children: Child[]): SVGElement {
  const element = document.createElementNS(svgNamespace, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  append(element, children);
  return element;
}

/** Replaces the children of `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function table(headers: string[], rows: Child[][], props: Props = {}): HTMLTableElement {
  return h(
    "table",
    props,
    h("thead", null, h("tr", null, headers.map((header) => h("th", null, header)))),
    h("tbody", null, rows.length === 0 ? h("tr", null, h("td", { colspan: headers.length, class: "empty" }, "None")) : rows.map((row) => h("tr", null, row.map((cell) => h("td", null, cell))))),
  );
}
