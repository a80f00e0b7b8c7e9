// Latencies for `chronik bench`, kept in a fixed number of logarithmic buckets (as DDSketch and
// HdrHistogram do) instead of one sample per record: memory stays the same for a thousand
// records or a billion, and every percentile is within 0.5% of the true nearest-rank value.
// Bucket i holds latencies in (minTrackedMs·γ^(i-1), minTrackedMs·γ^i] and answers with the
// point whose distance to both ends is the same relative error α, where γ = (1+α)/(1-α).

/** Relative error of an answered percentile. */
const relativeError = 0.005;
const gamma = (1 + relativeError) / (1 - relativeError);
const logGamma = Math.log(gamma);
/** Latencies at or below this are answered as this (one microsecond). */
const minTrackedMs = 0.001;
/** Latencies above this (about 2.8 hours) share the last bucket; the exact maximum is kept apart. */
const maxTrackedMs = 10_000_000;
const bucketsMax = Math.ceil(Math.log(maxTrackedMs / minTrackedMs) / logGamma) + 1;

export class LatencyHistogram {
  readonly #counts = new Float64Array(bucketsMax);
  #count = 0;
  #sum = 0;
  #max = 0;
  #min = Infinity;

  record(latencyMs: number): void {
    this.#count++;
    this.#sum += latencyMs;
    if (latencyMs > this.#max) this.#max = latencyMs;
    if (latencyMs < this.#min) this.#min = latencyMs;
    this.#counts[bucketOf(latencyMs)]++;
  }

  get count(): number {
    return this.#count;
  }

  get averageMs(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  get maxMs(): number {
    return this.#max;
  }

  /** Buckets held, the same from the first record on. */
  get bucketCount(): number {
    return this.#counts.length;
  }

  /** The nearest-rank latency of each fraction (0.5 for the median), 0 when nothing was recorded. */
  percentiles(fractions: number[]): number[] {
    return fractions.map((fraction) => this.#percentile(fraction));
  }

  #percentile(fraction: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(fraction * this.#count));
    let seen = 0;
    for (let bucket = 0; bucket < this.#counts.length; bucket++) {
      seen += this.#counts[bucket];
      if (seen >= rank) return Math.min(this.#max, Math.max(this.#min, valueOf(bucket)));
    }
    return this.#max;
  }
}

function bucketOf(latencyMs: number): number {
  if (!(latencyMs > minTrackedMs)) return 0;
  return Math.min(bucketsMax - 1, Math.ceil(Math.log(latencyMs / minTrackedMs) / logGamma));
}

/** The answer for a bucket: its relative distance to both of the bucket's ends is `relativeError`. */
function valueOf(bucket: number): number {
  if (bucket === 0) return minTrackedMs;
  return (2 * minTrackedMs * gamma ** bucket) / (gamma + 1);
}
