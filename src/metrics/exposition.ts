// The text formats scrapers read: Prometheus's 0.0.4 text format, and OpenMetrics 1.0 for a
// scraper that asks for it in its Accept header (Prometheus does, when it supports it).

import type { MetricFamily } from "./registry.ts";

export type ExpositionFormat = "prometheus" | "openmetrics";

export const contentTypes: Record<ExpositionFormat, string> = {
  prometheus: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

/** OpenMetrics when the Accept header names it, the Prometheus text format otherwise. */
export function negotiateFormat(accept: string | null): ExpositionFormat {
  return accept !== null && accept.includes("application/openmetrics-text") ? "openmetrics" : "prometheus";
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Label values may hold anything a client chose (a group id): quotes, backslashes and line breaks are escaped. */
function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? "")}"`);
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/** Renders every family; OpenMetrics names counter families without `_total` and ends with `# EOF`. */
export function renderMetrics(families: readonly MetricFamily[], format: ExpositionFormat): string {
  const lines: string[] = [];
  for (const family of families) {
    const typeName = format === "openmetrics" && family.kind === "counter" ? family.name.replace(/_total$/, "") : family.name;
    lines.push(`# HELP ${typeName} ${escapeHelp(family.help)}`, `# TYPE ${typeName} ${family.kind}`);
    if (family.kind === "histogram") {
      for (const series of family.series) {
        let cumulative = 0;
        for (const [i, bound] of family.bounds.entries()) {
          cumulative += series.counts[i];
          lines.push(`${family.name}_bucket${labelText(family.labelNames, series.labels, `le="${formatNumber(bound)}"`)} ${cumulative}`);
        }
        lines.push(`${family.name}_bucket${labelText(family.labelNames, series.labels, 'le="+Inf"')} ${series.count}`);
        lines.push(`${family.name}_sum${labelText(family.labelNames, series.labels)} ${formatNumber(series.sum)}`);
        lines.push(`${family.name}_count${labelText(family.labelNames, series.labels)} ${series.count}`);
      }
    } else {
      for (const series of family.series) lines.push(`${family.name}${labelText(family.labelNames, series.labels)} ${formatNumber(series.value)}`);
    }
  }
  if (format === "openmetrics") lines.push("# EOF");
  return lines.join("\n") + "\n";
}
