// Prometheus-style instruments (counters, gauges, histograms) and collectors that read state at
// scrape time. Instruments are for what happens (a request answered, a record produced); state
// that already lives somewhere (a partition's offsets, a group's lag) is read by a collector when
// /metrics is asked, so the hot paths pay nothing for it.
//
// Cardinality is bounded: a family keeps at most `seriesMax` label sets; beyond that new label
// sets are dropped (their updates go nowhere) and counted in chronik_metrics_series_dropped_total.

export type MetricKind = "counter" | "gauge" | "histogram";

/** One labelled value of a counter or gauge. */
export interface ValueSeries {
  labels: readonly string[];
  value: number;
}

/** One labelled histogram: counts per bucket (not cumulative), their sum and count. */
export interface HistogramSeries {
  labels: readonly string[];
  counts: readonly number[];
  sum: number;
  count: number;
}

/** A family as exposed: name, help, kind, label names and its series. */
export type MetricFamily =
  | { name: string; help: string; kind: "counter" | "gauge"; labelNames: readonly string[]; series: ValueSeries[] }
  | { name: string; help: string; kind: "histogram"; labelNames: readonly string[]; bounds: readonly number[]; series: HistogramSeries[] };

/** Reads state at scrape time; may be async (the search thread answers by message). */
export type Collector = () => MetricFamily[] | Promise<MetricFamily[]>;

/** Default label sets per family. */
export const seriesMaxDefault = 10_000;

/** Latency buckets in seconds: 100 µs to 10 s (Kafka's request latencies span this). */
export const latencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function checkNames(name: string, labelNames: readonly string[], kind: MetricKind): void {
  if (!metricName.test(name)) throw new Error(`Invalid metric name "${name}"`);
  if (kind === "counter" && !name.endsWith("_total")) throw new Error(`Counter "${name}" must end in _total`);
  for (const label of labelNames) {
    if (!labelName.test(label) || label.startsWith("__") || label === "le") throw new Error(`Invalid label name "${label}" of "${name}"`);
  }
}

/** What a family needs from its registry: room for a new series, and a count of those refused. */
interface SeriesBudget {
  readonly seriesMax: number;
  dropped(): void;
}

abstract class Family<Child> {
  readonly #children = new Map<string, Child>();
  readonly #labelCount: number;
  readonly #budget: SeriesBudget;
  /** Where the updates of refused label sets go (made on first need: subclasses are not set up during this constructor). */
  #overflow: Child | null = null;

  constructor(labelNames: readonly string[], budget: SeriesBudget) {
    this.#labelCount = labelNames.length;
    this.#budget = budget;
  }

  protected abstract newChild(labels: readonly string[]): Child;

  /** The series of these label values (in the order of the label names), created on first use. */
  labels(...values: string[]): Child {
    const key = values.length === 1 ? values[0] : values.join("\u0000");
    const known = this.#children.get(key);
    if (known !== undefined) return known;
    if (values.length !== this.#labelCount) throw new Error(`Expected ${this.#labelCount} label values, got ${values.length}`);
    if (this.#children.size >= this.#budget.seriesMax) {
      this.#budget.dropped();
      return (this.#overflow ??= this.newChild(values));
    }
    const child = this.newChild(values);
    this.#children.set(key, child);
    return child;
  }

  /** Forgets a series (a deleted topic's). */
  remove(...values: string[]): void {
    this.#children.delete(values.length === 1 ? values[0] : values.join("\u0000"));
  }

  protected children(): IterableIterator<Child> {
    return this.#children.values();
  }
}

export class CounterChild {
  value = 0;
  constructor(readonly labelValues: readonly string[]) {}

  inc(amount = 1): void {
    this.value += amount;
  }
}

export class Counter extends Family<CounterChild> {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    budget: SeriesBudget,
  ) {
    super(labelNames, budget);
  }

  protected newChild(labels: readonly string[]): CounterChild {
    return new CounterChild(labels);
  }

  /** The sum over every series. */
  total(): number {
    let sum = 0;
    for (const child of this.children()) sum += child.value;
    return sum;
  }

  snapshot(): MetricFamily {
    return { name: this.name, help: this.help, kind: "counter", labelNames: this.labelNames, series: [...this.children()].map((child) => ({ labels: child.labelValues, value: child.value })) };
  }
}

export class HistogramChild {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labelValues: readonly string[],
    readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const { bounds } = this;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]) bucket++;
    this.counts[bucket]++;
    this.sum += value;
    this.count++;
  }

  snapshot(): HistogramSeries {
    return { labels: this.labelValues, counts: [...this.counts], sum: this.sum, count: this.count };
  }
}

export class Histogram extends Family<HistogramChild> {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly bounds: readonly number[],
    budget: SeriesBudget,
  ) {
    super(labelNames, budget);
  }

  protected newChild(labels: readonly string[]): HistogramChild {
    return new HistogramChild(labels, this.bounds);
  }

  snapshot(): MetricFamily {
    return {
      name: this.name,
      help: this.help,
      kind: "histogram",
      labelNames: this.labelNames,
      bounds: this.bounds,
      series: [...this.children()].map((child) => child.snapshot()),
    };
  }
}

export interface MetricsRegistryOptions {
  seriesMax?: number;
}

export class MetricsRegistry implements SeriesBudget {
  readonly seriesMax: number;
  readonly #instruments: Array<Counter | Histogram> = [];
  readonly #collectors: Collector[] = [];
  readonly #names = new Set<string>();
  #droppedSeries = 0;

  constructor(options: MetricsRegistryOptions = {}) {
    this.seriesMax = options.seriesMax ?? seriesMaxDefault;
  }

  dropped(): void {
    this.#droppedSeries++;
  }

  #claim(name: string, labelNames: readonly string[], kind: MetricKind): void {
    checkNames(name, labelNames, kind);
    if (this.#names.has(name)) throw new Error(`Metric "${name}" is registered twice`);
    this.#names.add(name);
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    this.#claim(name, labelNames, "counter");
    const counter = new Counter(name, help, labelNames, this);
    this.#instruments.push(counter);
    return counter;
  }

  histogram(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]): Histogram {
    this.#claim(name, labelNames, "histogram");
    for (let i = 1; i < bounds.length; i++) if (!(bounds[i] > bounds[i - 1])) throw new Error(`Buckets of "${name}" must increase`);
    const histogram = new Histogram(name, help, labelNames, bounds, this);
    this.#instruments.push(histogram);
    return histogram;
  }

  /** Adds a collector; the families it returns are checked and capped at every scrape. */
  collect(collector: Collector): void {
    this.#collectors.push(collector);
  }

  /** Every family: instruments first, then each collector's, then the registry's own. */
  async gather(): Promise<MetricFamily[]> {
    const families = this.#instruments.map((instrument) => instrument.snapshot());
    const collected = await Promise.all(this.#collectors.map((collector) => collector()));
    for (const family of collected.flat()) {
      if (family.series.length > this.seriesMax) {
        this.#droppedSeries += family.series.length - this.seriesMax;
        family.series.length = this.seriesMax;
      }
      families.push(family);
    }
    families.push({
      name: "chronik_metrics_series_dropped_total",
      help: "Label sets refused because their family already had --metrics-series-max series",
      kind: "counter",
      labelNames: [],
      series: [{ labels: [], value: this.#droppedSeries }],
    });
    return families;
  }
}

/** A counter or gauge family read at scrape time. */
export function valueFamily(kind: "counter" | "gauge", name: string, help: string, labelNames: readonly string[], series: ValueSeries[]): MetricFamily {
  checkNames(name, labelNames, kind);
  return { name, help, kind, labelNames, series };
}

/** A histogram family read at scrape time (from HistogramChild snapshots, or another thread's). */
export function histogramFamily(name: string, help: string, labelNames: readonly string[], bounds: readonly number[], series: HistogramSeries[]): MetricFamily {
  checkNames(name, labelNames, "histogram");
  return { name, help, kind: "histogram", labelNames, bounds, series };
}
