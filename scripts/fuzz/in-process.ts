// In-process fuzzing: mutated frames go straight to dispatch() with a real BrokerContext. A few
// lanes run at once (as connections would), so one request that legitimately waits (a Fetch
// long poll, a JoinGroup) does not stall the run. Oracles:
// - a throw other than FatalRequestError is a crash (as is an unhandled rejection or exception);
// - a dispatch not settled by the deadline has its signal aborted (its connection closed); not
//   settled within the grace after that, it is a hang. JoinGroup and SyncGroup are exempt: as in
//   Kafka, they wait for the group's rebalance (bounded by the members' rebalance and session
//   timeouts, which the client chooses) whether or not the connection is open. A pending one is
//   counted as "parked";
// - an error line the dispatcher or a handler logs is a handler error (answered, but a bug);
// - every `controlEvery` executions a valid Metadata and ApiVersions must still be answered;
// - the event loop must not block (watchdog.ts): a synchronous loop kills the run, naming the
//   executions in flight.

import { AsyncLocalStorage } from "node:async_hooks";
import { readdirSync } from "node:fs";
import { type BrokerContext, FatalRequestError, dispatch } from "../../src/engine/dispatcher.ts";
import { Findings, FindingKind, type InputOrigin, MemoryPeaks, signatureOf, signatureOfStack } from "./findings.ts";
import { openFuzzBroker } from "./fuzz-broker.ts";
import { Prng, mutate } from "./mutate.ts";
import { frameOf, type Seed } from "./seeds.ts";
import { Watchdog } from "./watchdog.ts";
import { mutateValue } from "./values.ts";

export interface FuzzOptions {
  seconds: number;
  /** The run's seed: with it, execution N always makes the same mutant. */
  seed: number;
  seeds: Seed[];
  /** Valid frames that must always be answered (Metadata, ApiVersions). */
  controls: Seed[];
  findings?: Findings;
  lanes?: number;
  deadlineMs?: number;
  graceMs?: number;
  controlEvery?: number;
  /** Run only this execution of the run (its mutant is the same as in the full run). */
  replay?: number;
}

export interface FuzzReport {
  mode: "in-process" | "live";
  executions: number;
  elapsedMs: number;
  /** Executions by outcome: answered, no-response, closed (FatalRequestError), slow (settled after the deadline), crash, hang. */
  outcomes: Record<string, number>;
  controls: number;
  peakRssBytes: number | null;
  peakHeapBytes: number | null;
  findings: Findings;
}

const lanesDefault = 32;
/** API keys whose requests wait for a rebalance regardless of the connection (JoinGroup, SyncGroup). */
const rebalanceWaitApiKeys: ReadonlySet<number> = new Set([11, 14]);
const deadlineMsDefault = 2_000;
/** Long enough for a slow but finite request (an AlterConfigs of 200 resources, each an fsync'd meta.json). */
const graceMsDefault = 10_000;
const controlEveryDefault = 500;
const controlDeadlineMs = 5_000;
/** How long closing the broker after the run may take (Broker.stop, with the run's topics). */
const closeDeadlineMs = 60_000;
/** How long after the end of the run requests in flight are still waited for. */
const drainMs = 2_000;
const memorySampleMs = 250;
/** How often a run prints a progress line to stderr. */
const progressIntervalMs = 30_000;
/** Share of executions on a generated seed that start from a value mutation. */
const valueMutationShare = 0.4;
const valueMutationAttempts = 3;

/** The PRNG of one execution, so that it can be replayed without the executions before it. */
export function executionPrng(runSeed: number, execution: number): Prng {
  return new Prng(Math.imul(runSeed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(execution + 1, 0xc2b2ae35));
}

/** The mutant that execution `execution` of a run with `runSeed` feeds the broker. */
export function mutantOf(seeds: Seed[], runSeed: number, execution: number): { bytes: Uint8Array; origin: InputOrigin } {
  const prng = executionPrng(runSeed, execution);
  const seed = prng.pick(seeds);
  const other = prng.pick(seeds);
  const steps: string[] = [];
  let bytes = seed.frame;
  // Value mutations keep the frame decodable, to reach the handlers; half of them get byte mutations on top.
  if (seed.request && prng.chance(valueMutationShare)) {
    const changed = valueMutant(seed.request, prng, execution);
    if (changed) {
      bytes = changed.bytes;
      steps.push(...changed.steps);
      if (prng.chance(0.5)) return { bytes, origin: { runSeed, execution, seed: seed.name, steps } };
    }
  }
  const mutant = mutate({ bytes, bodyStart: seed.bodyStart, other: other.frame }, prng);
  return { bytes: mutant.bytes, origin: { runSeed, execution, seed: seed.name, steps: [...steps, ...mutant.steps] } };
}

/** The request with some field values changed, re-encoded; null when the codec refuses every try. */
function valueMutant(request: NonNullable<Seed["request"]>, prng: Prng, execution: number): { bytes: Uint8Array; steps: string[] } | null {
  for (let attempt = 0; attempt < valueMutationAttempts; attempt++) {
    const mutant = mutateValue(request.value, prng);
    try {
      return { bytes: frameOf(request.apiKey, request.version, execution, mutant.value), steps: mutant.steps };
    } catch {
      // A value the codec cannot encode (a null where the version has none): try another.
    }
  }
  return null;
}

interface Current {
  bytes: Uint8Array;
  origin: InputOrigin;
}

/** File descriptors this process holds (Linux), or -1 when unknown. */
function openFiles(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return -1;
  }
}

function apiKeyOf(frame: Uint8Array): number {
  return frame.length < 2 ? -1 : new DataView(frame.buffer, frame.byteOffset).getInt16(0);
}

type Settled = { kind: "answered" | "no-response" | "closed" } | { kind: "crash"; error: unknown } | { kind: "pending" };

function settle(promise: Promise<Uint8Array | null>): Promise<Settled> {
  return promise.then(
    (answer): Settled => ({ kind: answer === null ? "no-response" : "answered" }),
    (error): Settled => (error instanceof FatalRequestError ? { kind: "closed" } : { kind: "crash", error }),
  );
}

function after(ms: number): Promise<Settled> {
  return new Promise((resolve) => setTimeout(() => resolve({ kind: "pending" }), ms));
}

class InProcessRun {
  readonly #options: Required<FuzzOptions>;
  readonly #findings: Findings;
  readonly #current = new AsyncLocalStorage<Current>();
  readonly outcomes: Record<string, number> = {};
  readonly memory = new MemoryPeaks();
  executions = 0;
  controls = 0;
  #nextExecution = 0;
  #context!: BrokerContext;
  /** When the run stops waiting for requests still in flight (they count as "unfinished"). */
  #cutoffAt = Infinity;
  #inFlight = 0;
  /** Hangs by signature whose requests have not settled yet. */
  readonly #unsettledHangs = new Map<string, number>();

  constructor(options: Required<FuzzOptions>) {
    this.#options = options;
    this.#findings = options.findings;
  }

  get findings(): Findings {
    return this.#findings;
  }

  /** An error line from the broker: a handler failure, tied to the input running in this async context. */
  onLog(message: string, context: Record<string, unknown>): void {
    const error = context.error;
    const stack = typeof error === "string" ? error : error instanceof Error ? (error.stack ?? String(error)) : message;
    const current = this.#current.getStore();
    this.#findings.add(FindingKind.handlerError, `${message}: ${signatureOfStack(stack)}`, `${message} ${JSON.stringify(context)}\n${stack}`, current);
  }

  /** One line for a long run's progress: executions, requests in flight, open files, memory. */
  progress(): string {
    const outcomes = Object.entries(this.outcomes).map(([kind, count]) => `${kind} ${count}`).join(", ");
    return `${this.executions} executions (${outcomes}), ${this.#inFlight} in flight, ${openFiles()} open files, RSS ${(process.memoryUsage().rss / (1024 * 1024)).toFixed(0)} MiB`;
  }

  /** An unhandled rejection or exception: the process would have died. */
  onUncaught(error: unknown): void {
    this.#findings.add(FindingKind.crash, `uncaught ${signatureOf(error)}`, (error as Error)?.stack ?? String(error), this.#current.getStore());
  }

  async run(context: BrokerContext): Promise<void> {
    this.#context = context;
    const endAt = Date.now() + this.#options.seconds * 1000;
    this.#cutoffAt = endAt + drainMs;
    const watchdog = new Watchdog({ lanes: this.#options.lanes, runSeed: this.#options.seed });
    try {
      await Promise.all(Array.from({ length: this.#options.lanes }, (_, lane) => this.#lane(endAt, lane, watchdog)));
    } finally {
      watchdog.stop();
    }
  }

  async #lane(endAt: number, lane: number, watchdog: Watchdog): Promise<void> {
    while (Date.now() < endAt) {
      const execution = this.#nextExecution++;
      if (execution % this.#options.controlEvery === 0) await this.#control();
      const input = mutantOf(this.#options.seeds, this.#options.seed, execution);
      watchdog.running(lane, execution);
      const outcome = await this.#execute(input);
      watchdog.running(lane, -1);
      this.count(outcome);
    }
  }

  /** Hangs whose every request settled before now were very slow requests, not hangs. */
  settleHangs(): void {
    for (const [signature, unsettled] of this.#unsettledHangs) {
      if (unsettled === 0) this.#findings.rekind(FindingKind.hang, signature, FindingKind.slowRequest);
    }
  }

  count(outcome: string): void {
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    this.executions++;
  }

  /** Runs execution `execution` of the run alone, as --replay does. */
  async replay(context: BrokerContext, execution: number): Promise<void> {
    this.#context = context;
    const input = mutantOf(this.#options.seeds, this.#options.seed, execution);
    console.error(`replay: execution ${execution} of seed ${this.#options.seed}: ${input.origin.seed} ${input.origin.steps.join(" ")}`);
    this.count(await this.#execute(input));
  }

  async #execute(input: Current): Promise<string> {
    this.#inFlight++;
    try {
      return await this.#executeOnce(input);
    } finally {
      this.#inFlight--;
    }
  }

  async #executeOnce(input: Current): Promise<string> {
    const aborter = new AbortController();
    const session = { releaseConnection: () => {}, signal: aborter.signal };
    const settled = this.#current.run(input, () => settle(dispatch(this.#context, input.bytes, session)));
    let result = await Promise.race([settled, after(Math.min(this.#options.deadlineMs, this.#cutoffAt - Date.now()))]);
    if (result.kind === "pending" && Date.now() >= this.#cutoffAt) return this.#unfinished(aborter, settled, input);
    if (result.kind === "pending" && rebalanceWaitApiKeys.has(apiKeyOf(input.bytes))) {
      aborter.abort();
      void settled.then((late) => late.kind === "crash" && this.#crash(late.error, input));
      return "parked";
    }
    let slow = false;
    if (result.kind === "pending") {
      slow = true;
      aborter.abort();
      result = await Promise.race([settled, after(Math.min(this.#options.graceMs, this.#cutoffAt - Date.now()))]);
      if (result.kind === "pending" && Date.now() >= this.#cutoffAt) return this.#unfinished(aborter, settled, input);
    }
    if (result.kind === "pending") {
      const signature = `${input.origin.seed.replace(/-v\d+.*/, "")} did not settle`;
      this.#findings.add(FindingKind.hang, signature, `Not settled ${this.#options.deadlineMs} ms after it began nor ${this.#options.graceMs} ms after its connection closed`, input);
      // A hang that ends is a very slow request: say when. A late crash is still a crash.
      const startedAt = Date.now() - this.#options.deadlineMs - this.#options.graceMs;
      this.#unsettledHangs.set(signature, (this.#unsettledHangs.get(signature) ?? 0) + 1);
      void settled.then((late) => {
        this.#unsettledHangs.set(signature, this.#unsettledHangs.get(signature)! - 1);
        this.#findings.annotate(FindingKind.hang, signature, `execution ${input.origin.execution} settled (${late.kind}) after ${Date.now() - startedAt} ms`);
        if (late.kind === "crash") this.#crash(late.error, input);
      });
      return "hang";
    }
    if (result.kind === "crash") {
      this.#crash(result.error, input);
      return "crash";
    }
    return slow ? "slow" : result.kind;
  }

  /** A request still in flight when the run ends: not waited for, so the run ends on time; a late crash is still counted. */
  #unfinished(aborter: AbortController, settled: Promise<Settled>, input: Current): string {
    aborter.abort();
    void settled.then((late) => late.kind === "crash" && this.#crash(late.error, input));
    return "unfinished";
  }

  #crash(error: unknown, input: Current): void {
    this.#findings.add(FindingKind.crash, signatureOf(error), (error as Error)?.stack ?? String(error), input);
  }

  /** Valid requests on a fresh session must be answered within the control deadline. */
  async #control(): Promise<void> {
    for (const control of this.#options.controls) {
      const session = { releaseConnection: () => {}, signal: new AbortController().signal };
      const result = await Promise.race([settle(dispatch(this.#context, control.frame, session)), after(controlDeadlineMs)]);
      this.controls++;
      if (result.kind !== "answered") {
        const detail = result.kind === "crash" ? signatureOf(result.error) : result.kind;
        this.#findings.add(FindingKind.controlTimeout, `${control.name} ${result.kind}`, `Valid ${control.name} was not answered within ${controlDeadlineMs} ms: ${detail}`);
      }
    }
  }
}

export async function fuzzInProcess(options: FuzzOptions): Promise<FuzzReport> {
  const run = new InProcessRun({
    findings: new Findings(),
    lanes: lanesDefault,
    deadlineMs: deadlineMsDefault,
    graceMs: graceMsDefault,
    controlEvery: controlEveryDefault,
    ...options,
  } as Required<FuzzOptions>);
  const broker = await openFuzzBroker({ onError: (message, context) => run.onLog(message, context) });
  const onUncaught = (error: unknown) => run.onUncaught(error);
  process.on("unhandledRejection", onUncaught);
  process.on("uncaughtException", onUncaught);
  const sampler = setInterval(() => run.memory.sample(), memorySampleMs);
  const progress = setInterval(() => console.error(`fuzz in-process: ${run.progress()}`), progressIntervalMs);
  const startedAt = performance.now();
  let elapsedMs = 0;
  try {
    run.memory.sample();
    if (options.replay === undefined) await run.run(broker.context);
    else await run.replay(broker.context, options.replay);
    elapsedMs = performance.now() - startedAt;
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
    run.memory.sample();
    process.off("unhandledRejection", onUncaught);
    process.off("uncaughtException", onUncaught);
    console.error(`fuzz in-process: run over, closing the broker: ${run.progress()}`);
    const closed = await Promise.race([broker.close().then(() => true), Bun.sleep(closeDeadlineMs).then(() => false)]);
    if (!closed) {
      run.findings.add(FindingKind.hang, `broker close stuck in ${broker.closingPhase}`, `Closing the broker after the run did not finish within ${closeDeadlineMs} ms: stuck in ${broker.closingPhase}`);
    }
    run.settleHangs();
  }
  return {
    mode: "in-process",
    executions: run.executions,
    elapsedMs,
    outcomes: run.outcomes,
    controls: run.controls,
    peakRssBytes: run.memory.rssBytes,
    peakHeapBytes: run.memory.heapBytes,
    findings: run.findings,
  };
}
