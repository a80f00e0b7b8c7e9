// Small SVG charts: a sparkline of recent rates, and bars of a histogram over time.

import { svg } from "./dom.ts";

export function sparkline(values: readonly number[], width = 220, height = 40): SVGElement {
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((value, i) => `${(i * step).toFixed(1)},${(height - 2 - (value / max) * (height - 4)).toFixed(1)}`).join(" ");
  return svg(
    "svg",
    { class: "sparkline", width, height, viewBox: `0 0 ${width} ${height}`, role: "img" },
    svg("polyline", { points: points || `0,${height - 2}`, fill: "none", stroke: "currentColor", "stroke-width": 1.5 }),
  );
}

export function bars(buckets: ReadonlyArray<{ label: string; value: number }>, width = 640, height = 120): SVGElement {
  const max = Math.max(1, ...buckets.map((bucket) => bucket.value));
  // A few buckets stay bars, not blocks.
  const barWidth = buckets.length === 0 ? 0 : Math.min(width / buckets.length, 24);
  return svg(
    "svg",
    { class: "bars", width, height, viewBox: `0 0 ${width} ${height}`, role: "img" },
    buckets.map((bucket, i) => {
      const barHeight = (bucket.value / max) * (height - 4);
      return svg(
        "rect",
        { x: (i * barWidth + 0.5).toFixed(1), y: (height - barHeight).toFixed(1), width: Math.max(1, barWidth - 1).toFixed(1), height: barHeight.toFixed(1) },
        svg("title", {}, `${bucket.label}: ${bucket.value}`),
      );
    }),
  );
}
