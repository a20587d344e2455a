/// <reference lib="deno.worker" />
/**
 * Executor worker: runs posted jobs one after another with the compiled
 * modules the pool shares with it, publishing the running job and its
 * deadline in shared memory for the pool's watchdog.
 */
import {
  type FromWorker,
  IDLE,
  STATUS_DEADLINE,
  STATUS_SEQ,
  type ToWorker,
} from "./_protocol.ts";
import type { CompiledModule } from "../module/mod.ts";
import { MemoryPool } from "./memory_pool.ts";
import { runGuest } from "./run.ts";

const modules = new Map<string, CompiledModule>();
const memories = new MemoryPool();
let status: Float64Array | undefined;

self.onmessage = (event: MessageEvent<ToWorker | SharedArrayBuffer>) => {
  const message = event.data;
  if (message instanceof SharedArrayBuffer) {
    status = new Float64Array(message);
    return;
  }
  switch (message.type) {
    case "module":
      modules.set(message.key, {
        module: message.module,
        memory: message.memory,
      });
      return;
    case "forget":
      modules.delete(message.key);
      return;
    case "jobs":
      for (const job of message.jobs) {
        const { module, memory: limits } = modules.get(job.moduleKey)!;
        const memory = limits && memories.acquire(limits);
        status![STATUS_DEADLINE] = Date.now() + job.spec.timeoutMs;
        status![STATUS_SEQ] = job.seq;
        const result = runGuest({ module, memory }, job.spec, {
          stdin: job.stdin,
        });
        status![STATUS_SEQ] = IDLE;
        const reply: FromWorker = { type: "result", seq: job.seq, result };
        self.postMessage(reply, [result.stdout.buffer as ArrayBuffer]);
        // Zeroing for reuse happens after the reply, off the latency path.
        if (memory) memories.release(memory, limits);
      }
  }
};
