import { describe, expect, test } from "bun:test";
import { histogramFamily, MetricsRegistry, valueFamily } from "../../src/metrics/registry.ts";

describe("MetricsRegistry", () => {
  test("counters keep one series per label set and snapshot them", async () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter("test_things_total", "Things", ["topic"]);
    counter.labels("a").inc();
    counter.labels("a").inc(4);
    counter.labels("b").inc(2);
    const [family] = await registry.gather();
    expect(family).toEqual({ name: "test_things_total", help: "Things", kind: "counter", labelNames: ["topic"], series: [{ labels: ["a"], value: 5 }, { labels: ["b"], value: 2 }] });
  });

  test("histograms count each observation in the first bucket whose bound is not below it", async () => {
    const registry = new MetricsRegistry();
    const histogram = registry.histogram("test_seconds", "Time", [], [0.1, 1]).labels();
    for (const value of [0.05, 0.1, 0.5, 1, 7]) histogram.observe(value);
    const [family] = await registry.gather();
    expect(family.kind).toBe("histogram");
    if (family.kind !== "histogram") return;
    expect(family.series).toEqual([{ labels: [], counts: [2, 2, 1], sum: 8.65, count: 5 }]);
  });

  test("a family refuses label sets beyond --metrics-series-max, and the refusals are counted", async () => {
    const registry = new MetricsRegistry({ seriesMax: 2 });
    const counter = registry.counter("test_things_total", "Things", ["topic"]);
    for (const topic of ["a", "b", "c", "d"]) counter.labels(topic).inc();
    registry.collect(() => [valueFamily("gauge", "test_level", "Level", ["x"], [1, 2, 3].map((x) => ({ labels: [String(x)], value: x })))]);
    const families = await registry.gather();
    expect(families.find((family) => family.name === "test_things_total")!.series.map((series) => series.labels)).toEqual([["a"], ["b"]]);
    expect(families.find((family) => family.name === "test_level")!.series.length).toBe(2);
    expect(families.find((family) => family.name === "chronik_metrics_series_dropped_total")!.series).toEqual([{ labels: [], value: 3 }]);
  });

  test("removing a series forgets it", async () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter("test_things_total", "Things", ["topic"]);
    counter.labels("gone").inc();
    counter.remove("gone");
    expect((await registry.gather())[0].series).toEqual([]);
  });

  test("names follow Prometheus's rules: counters end in _total, labels are not reserved, no name twice", () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter("test_things", "Things")).toThrow('Counter "test_things" must end in _total');
    expect(() => registry.counter("test-things_total", "Things")).toThrow("Invalid metric name");
    expect(() => registry.histogram("test_seconds", "Time", ["le"], [1])).toThrow('Invalid label name "le"');
    expect(() => registry.histogram("test_seconds", "Time", [], [2, 1])).toThrow("must increase");
    registry.counter("test_once_total", "Once");
    expect(() => registry.counter("test_once_total", "Once")).toThrow("registered twice");
    expect(() => histogramFamily("bad name", "x", [], [1], [])).toThrow("Invalid metric name");
  });

  test("the wrong number of label values is a programming error", () => {
    const counter = new MetricsRegistry().counter("test_things_total", "Things", ["topic", "partition"]);
    expect(() => counter.labels("a")).toThrow("Expected 2 label values, got 1");
  });

  test("collectors are awaited, after the instruments", async () => {
    const registry = new MetricsRegistry();
    registry.collect(async () => [valueFamily("gauge", "test_late", "Late", [], [{ labels: [], value: 1 }])]);
    registry.counter("test_early_total", "Early");
    expect((await registry.gather()).map((family) => family.name)).toEqual(["test_early_total", "test_late", "chronik_metrics_series_dropped_total"]);
  });
});
