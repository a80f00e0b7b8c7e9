// Version ranges as Kafka's message definitions spell them ("0+", "3-7", "5", "none"),
// and the runtime conditions the generated code tests against `version`.

/** An inclusive range of versions; `max` is Infinity for an open range ("3+"). */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** A range, or null for "none". */
export type Versions = VersionRange | null;

/** A condition known at generation time (true/false) or a JS expression over `version`. */
export type Condition = boolean | string;

export function parseVersions(text: string | undefined): Versions {
  if (text === undefined || text === "none") return null;
  const open = /^(\d+)\+$/.exec(text);
  if (open) return { min: Number(open[1]), max: Infinity };
  const closed = /^(\d+)-(\d+)$/.exec(text);
  if (closed) return { min: Number(closed[1]), max: Number(closed[2]) };
  if (/^\d+$/.test(text)) return { min: Number(text), max: Number(text) };
  throw new Error(`Cannot parse version range "${text}"`);
}

export function intersect(a: Versions, b: Versions): Versions {
  if (a === null || b === null) return null;
  const min = Math.max(a.min, b.min);
  const max = Math.min(a.max, b.max);
  return min <= max ? { min, max } : null;
}

/** The smallest range covering both (a hull: gaps between them are included). */
export function hull(a: Versions, b: Versions): Versions {
  if (a === null) return b;
  if (b === null) return a;
  return { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

export function covers(outer: Versions, inner: Versions): boolean {
  if (inner === null) return true;
  if (outer === null) return false;
  return outer.min <= inner.min && outer.max >= inner.max;
}

/** `whole` minus `part`, which must leave one contiguous range (Kafka's tagged versions are a suffix). */
export function subtract(whole: Versions, part: Versions): Versions {
  const overlap = intersect(whole, part);
  if (whole === null || overlap === null) return whole;
  if (covers(overlap, whole)) return null;
  if (overlap.min === whole.min) return { min: overlap.max + 1, max: whole.max };
  if (overlap.max === whole.max) return { min: whole.min, max: overlap.min - 1 };
  throw new Error(`Version range ${format(part)} splits ${format(whole)} in two`);
}

export function format(range: Versions): string {
  if (range === null) return "none";
  if (range.max === Infinity) return `${range.min}+`;
  return range.min === range.max ? `${range.min}` : `${range.min}-${range.max}`;
}

/** The test for "version is in `range`", given that version is known to lie in `context`. */
export function condition(range: Versions, context: Versions): Condition {
  const overlap = intersect(range, context);
  if (overlap === null || context === null) return false;
  if (covers(range, context)) return true;
  const parts: string[] = [];
  if (overlap.min > context.min) parts.push(`version >= ${overlap.min}`);
  if (overlap.max < context.max) parts.push(`version <= ${overlap.max}`);
  return parts.join(" && ");
}

export function not(test: Condition): Condition {
  if (typeof test === "boolean") return !test;
  const negations: Record<string, string> = { ">=": "<", "<=": ">" };
  const parts = test.split(" && ").map((part) => /^version (>=|<=) (\d+)$/.exec(part));
  if (parts.every((part) => part !== null)) {
    const negated = parts.map((part) => `version ${negations[part![1]!]} ${part![2]}`);
    return negated.length === 1 ? negated[0]! : `(${negated.join(" || ")})`;
  }
  return `!(${test})`;
}

export function and(a: Condition, b: Condition): Condition {
  if (a === false || b === false) return false;
  if (a === true) return b;
  if (b === true) return a;
  return `${a} && ${b}`;
}

/** `test ? whenTrue : whenFalse`, folded when the test is known. */
export function choose(test: Condition, whenTrue: string, whenFalse: string): string {
  if (test === true) return whenTrue;
  if (test === false) return whenFalse;
  return whenTrue === whenFalse ? whenTrue : `${test} ? ${whenTrue} : ${whenFalse}`;
}
