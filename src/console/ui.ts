// What every page shares: its context (an abort signal and timers that end when the page is
// left), the error banner, and a confirmation dialog for changes.

import { h, replace } from "./dom.ts";

export interface Page {
  root: HTMLElement;
  /** Aborted when the user leaves the page. */
  signal: AbortSignal;
  /** Runs `task` now and every `ms` until the page is left. */
  every(ms: number, task: () => Promise<void>): void;
  /** Shows an error in the banner (or clears it with null). */
  error(problem: unknown): void;
}

export function createPage(root: HTMLElement, banner: HTMLElement): { page: Page; leave(): void } {
  const controller = new AbortController();
  const timers: ReturnType<typeof setTimeout>[] = [];
  const error = (problem: unknown) => {
    if (problem === null) {
      replace(banner);
      banner.hidden = true;
      return;
    }
    if (controller.signal.aborted || (problem as Error)?.name === "AbortError") return;
    replace(banner, (problem as Error)?.message ?? String(problem));
    banner.hidden = false;
  };
  const every = (ms: number, task: () => Promise<void>) => {
    const run = async () => {
      try {
        await task();
      } catch (problem) {
        error(problem);
      }
      if (!controller.signal.aborted) timers.push(setTimeout(run, ms));
    };
    void run();
  };
  return {
    page: { root, signal: controller.signal, every, error },
    leave: () => {
      controller.abort();
      for (const timer of timers) clearTimeout(timer);
    },
  };
}

/** Asks before a change; resolves true when confirmed. */
export function confirmAction(message: string, action: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "confirm", "data-testid": "confirm-dialog" },
      h("p", null, message),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", onclick: () => close(false) }, "Cancel"),
        h("button", { type: "button", class: "danger", "data-testid": "confirm", onclick: () => close(true) }, action),
      ),
    );
    const close = (confirmed: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(confirmed);
    };
    dialog.addEventListener("cancel", () => close(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Pairs of label and value, as a definition list. */
export function facts(entries: Array<[string, string | number | Node]>): HTMLElement {
  return h("dl", { class: "facts" }, entries.map(([label, value]) => [h("dt", null, label), h("dd", null, value)]));
}

export function link(href: string, text: string): HTMLAnchorElement {
  return h("a", { href }, text);
}
