/** Fixed-bucket latency histogram in Prometheus' cumulative form. */
export class Histogram {
  readonly bounds: readonly number[];
  private readonly counts: number[];
  private sum = 0;
  private n = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = bounds.map(() => 0);
  }

  observe(v: number): void {
    this.sum += v;
    this.n++;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]!) this.counts[i]!++;
  }

  get count(): number {
    return this.n;
  }

  render(name: string, help: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    this.bounds.forEach((b, i) => lines.push(`${name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${name}_bucket{le="+Inf"} ${this.n}`, `${name}_sum ${this.sum}`, `${name}_count ${this.n}`);
    return lines;
  }
}

export function counter(name: string, help: string, value: number, labels = ''): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name}${labels} ${value}`];
}

export function gauge(name: string, help: string, samples: ReadonlyArray<readonly [labels: string, value: number]>): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples.map(([l, v]) => `${name}${l} ${v}`)];
}

/** Label value escaping per the Prometheus text format. */
export function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
