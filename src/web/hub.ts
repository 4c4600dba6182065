import type { DashboardView } from './view.ts';

export type ViewListener = (view: DashboardView) => void;

/** Holds the latest view and fans each new one out to the SSE clients. */
export class ViewHub {
  #view: DashboardView | null = null;
  readonly #listeners = new Set<ViewListener>();

  constructor(initial?: DashboardView) {
    this.#view = initial ?? null;
  }

  current(): DashboardView | null {
    return this.#view;
  }

  publish(view: DashboardView): void {
    this.#view = view;
    for (const listener of [...this.#listeners]) listener(view);
  }

  subscribe(listener: ViewListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get subscribers(): number {
    return this.#listeners.size;
  }
}
