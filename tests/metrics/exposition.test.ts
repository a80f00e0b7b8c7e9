import { describe, expect, test } from "bun:test";
import { contentTypes, negotiateFormat, renderMetrics } from "../../src/metrics/exposition.ts";
import { histogramFamily, type MetricFamily, valueFamily } from "../../src/metrics/registry.ts";

const families: MetricFamily[] = [
  valueFamily("counter", "chronik_things_total", "Things\nseen \\ counted", ["group"], [{ labels: ['a"b\\c\nd'], value: 3 }]),
  valueFamily("gauge", "chronik_level", "Level", [], [{ labels: [], value: Number.NaN }]),
  histogramFamily("chronik_wait_seconds", "Waits", ["api"], [0.5, 1], [{ labels: ["Fetch"], counts: [1, 2, 3], sum: 9.5, count: 6 }]),
];

describe("renderMetrics", () => {
  test("the Prometheus text format: HELP and TYPE, escaped label values, cumulative buckets", () => {
    expect(renderMetrics(families, "prometheus")).toBe(
      [
        "# HELP chronik_things_total Things\\nseen \\\\ counted",
        "# TYPE chronik_things_total counter",
        'chronik_things_total{group="a\\"b\\\\c\\nd"} 3',
        "# HELP chronik_level Level",
        "# TYPE chronik_level gauge",
        "chronik_level NaN",
        "# HELP chronik_wait_seconds Waits",
        "# TYPE chronik_wait_seconds histogram",
        'chronik_wait_seconds_bucket{api="Fetch",le="0.5"} 1',
        'chronik_wait_seconds_bucket{api="Fetch",le="1"} 3',
        'chronik_wait_seconds_bucket{api="Fetch",le="+Inf"} 6',
        'chronik_wait_seconds_sum{api="Fetch"} 9.5',
        'chronik_wait_seconds_count{api="Fetch"} 6',
        "",
      ].join("\n"),
    );
  });

  test("OpenMetrics names a counter family without _total and ends with # EOF", () => {
    const text = renderMetrics(families.slice(0, 1), "openmetrics");
    expect(text).toBe(["# HELP chronik_things Things\\nseen \\\\ counted", "# TYPE chronik_things counter", 'chronik_things_total{group="a\\"b\\\\c\\nd"} 3', "# EOF", ""].join("\n"));
  });

  test("OpenMetrics only when the scraper asks for it", () => {
    expect(negotiateFormat(null)).toBe("prometheus");
    expect(negotiateFormat("text/plain;version=0.0.4")).toBe("prometheus");
    expect(negotiateFormat("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")).toBe("openmetrics");
    expect(contentTypes.openmetrics).toStartWith("application/openmetrics-text; version=1.0.0");
  });
});
