/**
 * The chains the exchange experiment times, one per system: a producer
 * (`gen`) whose N bytes reach a consumer (`sink`) through an eddy workflow
 * in one mode, through Redis, or through the client over HTTP/1.1. Each
 * checks what the consumer counted, and the eddy ones check the trace.
 *
 * @module
 */
import type { BenchNode } from "./_nodes.ts";
import { getBytes, type RedisClient, setBytes } from "./_redis.ts";

/** An eddy edge mode. */
export type Mode = "memory" | "unix" | "http2";

/** Where the consumer step runs, per mode; the producer is always on a. */
export const CONSUMER_NODE: Record<Mode, string> = {
  memory: "a",
  unix: "b",
  http2: "c",
};

/**
 * Where an eddy chain's time went, from the client's clock and the trace
 * (one machine, so epoch times compare).
 */
export const SEGMENTS = [
  "request to producer start",
  "producer step",
  "producer end to consumer start",
  "consumer step",
  "consumer end to response",
] as const;

/** One chain's figures, in ms. */
export interface Sample {
  ms: number;
  /** The producer→consumer edge alone (trace; redis: SET + GET). */
  transferMs?: number;
  /** Step durations (trace, with executor dispatch; baselines: guest run). */
  stepsMs: number;
  /** eddy modes: each of {@linkcode SEGMENTS}. */
  segments?: number[];
}

/** A node's answer to an invocation. */
interface Answer {
  body: Uint8Array<ArrayBuffer>;
  headers: Headers;
}

async function post(url: string, body: BodyInit): Promise<Answer> {
  const res = await fetch(url, { method: "POST", body });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) {
    throw new Error(
      `POST ${url}: ${res.status} ${
        new TextDecoder().decode(bytes.subarray(0, 300))
      }`,
    );
  }
  return { body: bytes, headers: res.headers };
}

function checkCount(answer: Answer, bytes: number, what: string): void {
  const text = new TextDecoder().decode(answer.body);
  if (text !== `${bytes}\n`) {
    throw new Error(
      `${what}: the consumer counted ${text.trim()}, not ${bytes}`,
    );
  }
}

/** A trace entry as the workflow API returns it. */
interface TraceEntry {
  kind: "step" | "edge";
  step?: string;
  from?: string;
  to?: string;
  mode?: string;
  bytes?: number;
  start: number;
  end?: number;
  transferMs?: number;
  durationMs?: number;
}

const epochMs = () => performance.timeOrigin + performance.now();

/**
 * Runs workflow `x-<mode>` with N bytes: the producer→consumer edge must
 * have gone by `mode` and carried N bytes.
 */
export async function eddyChain(a: BenchNode, mode: Mode, bytes: number) {
  const t0 = epochMs();
  const answer = await post(`${a.url}/workflows/x-${mode}`, String(bytes));
  const t1 = epochMs();
  checkCount(answer, bytes, `x-${mode}`);
  const trace: TraceEntry[] = JSON.parse(answer.headers.get("x-eddy-trace")!);
  const edge = trace.find((e) =>
    e.kind === "edge" && e.from === "p" && e.to === "c"
  );
  if (edge?.mode !== mode || edge.bytes !== bytes) {
    throw new Error(
      `x-${mode}: the p→c edge carried ${edge?.bytes} bytes by ${edge?.mode}`,
    );
  }
  const p = trace.find((e) => e.step === "p")!;
  const c = trace.find((e) => e.step === "c")!;
  return {
    ms: t1 - t0,
    transferMs: edge.transferMs,
    stepsMs: p.durationMs! + c.durationMs!,
    segments: [
      p.start - t0,
      p.durationMs!,
      c.start - p.end!,
      c.durationMs!,
      t1 - c.end!,
    ],
  };
}

function guestMs(answer: Answer): number {
  return Number(answer.headers.get("x-eddy-duration-ms"));
}

let keys = 0;

/**
 * Invokes the producer, SETs its output into Redis, GETs it back and
 * invokes the consumer with it.
 */
export async function redisChain(
  a: BenchNode,
  client: RedisClient,
  bytes: number,
) {
  const key = `exchange:${keys++}`;
  const t0 = performance.now();
  const produced = await post(`${a.url}/invoke/gen`, String(bytes));
  const t1 = performance.now();
  await setBytes(client, key, produced.body);
  const stored = await getBytes(client, key);
  const t2 = performance.now();
  const consumed = await post(
    `${a.url}/invoke/sink`,
    stored as Uint8Array<ArrayBuffer>,
  );
  const ms = performance.now() - t0;
  checkCount(consumed, bytes, "redis");
  // The consumer side drops the key once read; not part of the chain.
  client.del(key).catch(() => {});
  return {
    ms,
    transferMs: t2 - t1,
    stepsMs: guestMs(produced) + guestMs(consumed),
  };
}

/** Invokes the producer and POSTs its output to the consumer. */
export async function httpChain(a: BenchNode, bytes: number): Promise<Sample> {
  const t0 = performance.now();
  const produced = await post(`${a.url}/invoke/gen`, String(bytes));
  const consumed = await post(`${a.url}/invoke/sink`, produced.body);
  const ms = performance.now() - t0;
  checkCount(consumed, bytes, "http1");
  return { ms, stepsMs: guestMs(produced) + guestMs(consumed) };
}

/** The two-step workflow of `mode`, steps pinned to their nodes. */
export function workflow(mode: Mode): string {
  return `name: x-${mode}
steps:
  - { name: p, function: gen, on: a }
  - { name: c, function: sink, after: [p], on: ${CONSUMER_NODE[mode]} }
`;
}
