/// <reference lib="deno.worker" />
/**
 * The executor worker's main loop: runs jobs in the order the pool wrote
 * them to its ring (see _ring.ts), with the compiled modules and function
 * specs the pool shares with it by message. A guest parked in a
 * call to another function (JSPI) is off the CPU, so the next job starts
 * meanwhile, and so does one asleep in `poll_oneoff` (until it wakes or its
 * deadline cuts the sleep short). The job on the CPU and its deadline, and
 * the count of jobs started, are published in shared memory for the pool's
 * watchdog, which stops an overdue guest through the worker's interrupt
 * cell (see `withInterrupts`).
 *
 * @module
 */
import type { CompiledModule } from "../module/store.ts";
import { InterruptCell, jobTag } from "../module/interrupt.ts";
import { DroppedModules } from "../module/collect.ts";
import {
  CANCEL_SLOTS,
  type FromWorker,
  IDLE,
  type PostedJob,
  STATUS_CANCEL,
  STATUS_DEADLINE,
  STATUS_MODULES,
  STATUS_RESERVED,
  STATUS_SEQ,
  STATUS_SLOTS,
  STATUS_STAGE,
  STATUS_STARTED,
  STATUS_WARM,
  STATUS_WARM_BYTES,
  type ToWorker,
} from "./_protocol.ts";
import { CallCancelled, type CallReply } from "./guest_calls.ts";
import {
  failedRun,
  inputTooLargeFailure,
  type JobResult,
  type StageOutcome,
  timeoutFailure,
} from "./job.ts";
import { MemoryBudget } from "../memory_budget.ts";
import { BudgetedOutput } from "./budgeted_output.ts";
import { MemoryPool } from "./memory_pool.ts";
import { runGuest, runsWarm } from "./run.ts";
import { WarmInstances } from "./warm_instances.ts";
import { adoptFdLedger, OutputBuffer, recycleBuffer } from "../wasi/mod.ts";
import { Ring, type RingJob } from "./_ring.ts";
import { currentThreadId } from "./thread_id.ts";
import { concatBytes } from "../bytes.ts";

/**
 * Jobs run back to back before the worker lets messages in (cancels,
 * call replies, modules): a stream of jobs must not starve them.
 */
const BATCH = 8;

/** Inputs from this size are freed as soon as their run ends. */
const FREED_FROM_BYTES = 64 << 10;

/**
 * Done with a large input now, not at the isolate's next collection: the
 * run has read what it needed, and inputs that wait for a collection keep
 * the GC threads busy (1 MiB chains: GC 0.25 → 0.17 ms a chain, 10–15%
 * more chains/s). Its buffer becomes a spare for the isolate's outputs
 * (see `recycleBuffer`), or is freed. The job's input is this isolate's
 * own: it came by transfer, as a clone, or as a copy out of the ring.
 */
function free(input: Uint8Array): void {
  const buffer = input.buffer;
  if (input.byteLength < FREED_FROM_BYTES) return;
  if (buffer instanceof ArrayBuffer) recycleBuffer(buffer);
}

/** What a message about a grouped job's later stage says so with. */
function staged(stage: number): { stage?: number } {
  return stage > 0 ? { stage } : {};
}

/**
 * A stage's input from the outputs of the earlier stages it reads (`from`):
 * one stage's as it is, read where it was written; several joined in one
 * allocation.
 */
function stageInput(
  from: number[],
  outputs: (OutputBuffer | undefined)[],
): Uint8Array {
  if (from.length === 1) return outputs[from[0]]!.bytes();
  return concatBytes(from.map((k) => outputs[k]!.bytes()));
}

/** What a grouped job's worker holds between its stages. */
interface Group {
  /** Outputs of its stages that a later stage will read, by stage. */
  outputs: (OutputBuffer | undefined)[];
  /** What each stage that ended did. */
  outcomes: StageOutcome[];
  /** Each stage reads the one before it alone (no `from`). */
  chain: boolean;
}

/** The earlier stages whose outputs `job`'s stage `stage` (≥ 1) reads. */
function sourcesOf(job: PostedJob, stage: number): number[] {
  return job.then![stage - 1].from ?? [stage - 1];
}

/**
 * Turns the current worker into an executor. Called by the worker entry.
 *
 * @example
 * ```ts ignore
 * // _worker.ts
 * startExecutorWorker();
 * ```
 */
export function startExecutorWorker(): void {
  const modules = new Map<string, CompiledModule>();
  const memories = new MemoryPool();
  /** Its budget comes in the pool's first messages, before any job. */
  let warms = new WarmInstances({ memories });
  const calls = new Map<
    number,
    { seq: number; resolve(reply: CallReply): void; reject(e: Error): void }
  >();
  let status: Float64Array<ArrayBufferLike> = new Float64Array(
    STATUS_SLOTS,
  ).fill(IDLE, STATUS_CANCEL);
  let nextCall = 0;
  let budget: MemoryBudget | undefined;
  /** Tells the pool what the warm instances hold (for its metrics). */
  const noteWarm = () => {
    status[STATUS_WARM] = warms.size;
    status[STATUS_WARM_BYTES] = warms.bytes;
  };
  /** Modules dropped, counted towards the next full collection. */
  const dropped = new DroppedModules();
  let ring: Ring | undefined;
  const templates = new Map<
    number,
    Pick<PostedJob, "moduleKey" | "spec" | "then">
  >();
  /** Jobs that came by message, until their turn in the ring. */
  const byMessage = new Map<number, PostedJob>();
  let cell: InterruptCell | undefined;

  const post = (message: FromWorker, transfer: ArrayBuffer[] = []) =>
    self.postMessage(message, transfer);

  const onCpu = (job: PostedJob, deadline: number, stage: number) => {
    status[STATUS_DEADLINE] = deadline;
    status[STATUS_STAGE] = stage;
    status[STATUS_SEQ] = job.seq;
    cell?.enter(jobTag(job.seq));
  };
  const offCpu = () => {
    status[STATUS_SEQ] = IDLE;
    cell?.enter(0);
  };

  /**
   * Resolves when `ms` have passed or, if `deadline` comes first, calls
   * `cut` and rejects then (unwinding the guest); either way the job is off
   * the CPU meanwhile and the pool is told so (it sends this worker more
   * jobs, and can cancel this one). Manifest timeouts (at most an hour)
   * keep every delay within what `setTimeout` takes.
   */
  const sleep = (
    job: PostedJob,
    stage: number,
    deadline: number,
    ms: number,
    cut: () => void,
  ): Promise<void> => {
    const callId = nextCall++;
    offCpu();
    post({ type: "park", seq: job.seq, deadline, ...staged(stage) });
    const overdue = Date.now() + ms >= deadline;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        calls.delete(callId);
        if (!overdue) return resolve();
        cut();
        reject(new CallCancelled());
      }, overdue ? deadline - Date.now() : ms);
      calls.set(callId, {
        seq: job.seq,
        resolve: () => {},
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    }).then(() => {
      post({ type: "unpark", seq: job.seq });
      onCpu(job, deadline, stage);
    }, (error) => {
      post({ type: "unpark", seq: job.seq });
      throw error;
    });
  };

  /** Whether the pool cancelled `job` before it started. */
  const cancelled = (job: PostedJob) => {
    for (let i = STATUS_CANCEL; i < STATUS_CANCEL + CANCEL_SLOTS; i++) {
      if (status[i] === job.seq) return true;
    }
    return false;
  };

  const run = (job: PostedJob) => {
    status[STATUS_STARTED]++;
    if (cancelled(job)) {
      post({
        type: "result",
        seq: job.seq,
        result: failedRun({
          reason: "cancelled",
          message: "cancelled before it started",
        }),
      });
      return;
    }
    runStage(job, 0, job.stdin, (result, stdout) => {
      free(job.stdin);
      if (!job.then || result.failure) return answer(job, result, stdout);
      const group: Group = {
        outputs: [stdout],
        outcomes: [],
        chain: job.then.every((stage) => !stage.from),
      };
      next(job, 0, result, group);
    });
  };

  /**
   * Goes on with `job`'s stage after `stage`, which ended with `result`:
   * notes what it did, joins the input of the next and runs it, or fails
   * the job with `input_too_large` there.
   */
  const next = (
    job: PostedJob,
    stage: number,
    result: JobResult,
    group: Group,
  ) => {
    group.outcomes.push({
      durationMs: result.durationMs,
      outputBytes: group.outputs[stage]!.size,
      stderr: result.stderr,
      ...(result.calls ? { calls: result.calls } : {}),
      ...(result.state ? { state: result.state } : {}),
    });
    const following = stage + 1;
    // Sized before a fan-in is joined: an input past its limit is never
    // allocated.
    const from = sourcesOf(job, following);
    const size = from.reduce((sum, k) => sum + group.outputs[k]!.size, 0);
    const limit = job.then![stage].maxInputBytes;
    if (size > limit) {
      dropAll(group);
      return answer(job, {
        ...failedRun(inputTooLargeFailure(size, limit)),
        stage: following,
        earlier: group.outcomes,
      }, new OutputBuffer(0));
    }
    const input = stageInput(from, group.outputs);
    runStage(job, following, input, (done, stdout) => {
      release(job, following, group);
      const last = following === job.then!.length;
      if (done.failure || last) {
        dropAll(group);
        return answer(job, {
          ...done,
          stage: following,
          earlier: group.outcomes,
        }, stdout);
      }
      group.outputs[following] = stdout;
      next(job, following, done, group);
    });
  };

  /**
   * Drops the outputs that `job`'s stage `stage` read and no later stage
   * reads.
   */
  const release = (job: PostedJob, stage: number, group: Group) => {
    const { outputs } = group;
    if (group.chain) {
      dropOutput(outputs[stage - 1]!);
      outputs[stage - 1] = undefined;
      return;
    }
    for (const k of sourcesOf(job, stage)) {
      const later = job.then!.slice(stage).some((then, i) =>
        (then.from ?? [stage + i]).includes(k)
      );
      if (later || !outputs[k]) continue;
      dropOutput(outputs[k]!);
      outputs[k] = undefined;
    }
  };

  /** Drops every output `group` still holds. */
  const dropAll = ({ outputs }: Group) => {
    for (const [k, held] of outputs.entries()) {
      if (held) dropOutput(held);
      outputs[k] = undefined;
    }
  };

  /**
   * Runs stage `stage` of `job` (its function, or a later one of
   * `job.then`) with `stdin`, and calls `end` with the result, a run
   * stopped at its deadline told so, and the buffer its output is in,
   * which `end` then owns. The guest's memory goes back to the pool (or
   * its warm instance is put back to its first state) after `end`: zeroing
   * it for reuse is off the latency path.
   */
  const runStage = (
    job: PostedJob,
    stage: number,
    stdin: Uint8Array,
    end: (result: JobResult, stdout: OutputBuffer) => void,
  ) => {
    const { moduleKey, spec } = stage === 0 ? job : job.then![stage - 1];
    const { module, memory: limits } = modules.get(moduleKey)!;
    const warm = limits && runsWarm(module, spec)
      ? warms.take(module, limits)
      : undefined;
    const memory = warm?.memory ?? (limits && memories.acquire(limits));
    const deadline = Math.min(
      Date.now() + spec.timeoutMs,
      spec.deadline ?? Infinity,
    );
    onCpu(job, deadline, stage);
    const tag = jobTag(job.seq);
    /** Its deadline came while it slept. */
    let overdue = false;
    // The worker's own: a small output is copied from it into the ring,
    // a larger one taken from it to be transferred.
    const stdout = budget
      ? new BudgetedOutput(
        spec.maxOutputBytes,
        budget,
        (bytes) => status[STATUS_RESERVED] += bytes,
      )
      : new OutputBuffer(spec.maxOutputBytes);
    const finish = (done: JobResult) => {
      let result = done;
      const stopped = cell?.requested(tag) ?? false;
      // A stage asked to stop (overdue, or cancelled) ends the job even if
      // it finished meanwhile: a later stage started for a job the pool
      // gave up on would run on until its worker is replaced.
      if (
        (result.failure && (overdue || stopped)) ||
        (stopped && stage < (job.then?.length ?? 0))
      ) {
        // Stopped at its deadline (interrupted, or its sleep cut short).
        result = { ...result, failure: timeoutFailure(spec, deadline) };
      }
      cell?.clear(tag);
      end(result, stdout);
      if (warm) {
        warms.give(warm);
        noteWarm();
      } else if (memory) memories.release(memory, limits!);
    };
    const outcome = runGuest(
      { module, memory, interrupt: cell?.memory, warm },
      spec,
      { stdin, stdout },
      {
        caller: (fn, input) => {
          const callId = nextCall++;
          const reply = new Promise<CallReply>((resolve, reject) =>
            calls.set(callId, { seq: job.seq, resolve, reject })
          );
          // `input` is the call's own copy (GuestCalls made it): it moves.
          post({
            type: "call",
            callId,
            seq: job.seq,
            fn,
            input,
            deadline,
            ...staged(stage),
          }, [
            input.buffer as ArrayBuffer,
          ]);
          return reply;
        },
        hooks: {
          suspend: offCpu,
          resume: () => onCpu(job, deadline, stage),
        },
        sleeper: (ms) => sleep(job, stage, deadline, ms, () => overdue = true),
      },
    );
    offCpu();
    if (outcome instanceof Promise) {
      outcome.then((result) => {
        offCpu();
        finish(result);
      });
    } else {
      finish(outcome);
    }
  };

  /** Frees an output nothing sends on, and the budget it held. */
  const dropOutput = (stdout: OutputBuffer) => {
    const reserved = stdout instanceof BudgetedOutput ? stdout.reserved : 0;
    status[STATUS_RESERVED] -= reserved;
    budget?.release(reserved);
    stdout.clear();
  };

  /**
   * Sends `job`'s result, its output from `stdout`, through the ring or by
   * message; a failed run's output is freed here, never sent on.
   */
  const answer = (job: PostedJob, done: JobResult, stdout: OutputBuffer) => {
    let result = done;
    if (result.failure) {
      dropOutput(stdout);
      result = { ...result, stdout: new Uint8Array() };
    } else if (stdout instanceof BudgetedOutput && stdout.reserved) {
      status[STATUS_RESERVED] -= stdout.reserved;
      result = { ...result, reserved: stdout.reserved };
    }
    if (ring!.tryWriteResult(job.seq, result)) {
      stdout.clear();
    } else {
      if (!result.failure) result = { ...result, stdout: stdout.take() };
      post({ type: "result", seq: job.seq, result }, [
        result.stdout.buffer as ArrayBuffer,
      ]);
    }
  };

  /**
   * The job in `slot` once all it needs has come by message (its module,
   * its function's spec, or itself); `undefined` until then.
   */
  const ready = (slot: RingJob): PostedJob | undefined => {
    if (!slot.stdin) {
      const job = byMessage.get(slot.seq);
      if (!job || !loaded(job)) return undefined;
      byMessage.delete(slot.seq);
      return job;
    }
    const job = templated(slot.seq, slot.template, slot.stdin);
    return job && loaded(job) ? job : undefined;
  };

  /** Job `seq` of template `id` with `stdin`; `undefined` until it came. */
  function templated(
    seq: number,
    id: number,
    stdin: Uint8Array,
  ): PostedJob | undefined {
    const template = templates.get(id);
    return template && { seq, ...template, stdin };
  }

  /** Whether every module `job`'s stages run has come. */
  function loaded(job: PostedJob): boolean {
    return modules.has(job.moduleKey) &&
      (!job.then || job.then.every((stage) => modules.has(stage.moduleKey)));
  }

  let draining = false;
  let waiting = false;
  // Lets messages in between two batches and drains again: a task of its
  // own, not `setTimeout(drain, 0)`, which waits ~2 ms here (Deno's timers
  // fire on a millisecond clock) and idled a busy worker after every batch:
  // 2 workers ran ~6,400 1 KB echoes a second, with half their time idle.
  const nextBatch = new MessageChannel();
  nextBatch.port1.onmessage = () => drain();
  /**
   * Runs the jobs in the ring in order, a batch at a time (then lets
   * messages in), and waits for more once it is empty. A job whose module,
   * spec or message has not come yet holds the ring: the message that
   * brings it calls this again.
   */
  const drain = () => {
    if (draining || !ring) return;
    draining = true;
    try {
      for (let ran = 0;; ran++) {
        const slot = ring.peekJob();
        if (!slot) break;
        const job = ready(slot);
        if (!job) return;
        if (ran === BATCH) return void nextBatch.port2.postMessage(null);
        ring.take();
        run(job);
      }
    } finally {
      draining = false;
    }
    if (waiting) return;
    waiting = true;
    ring.waitJobs().then(() => {
      waiting = false;
      drain();
    });
  };

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
        status[STATUS_MODULES] = modules.size;
        drain();
        return;
      case "budget":
        budget = new MemoryBudget(message.shared);
        return;
      case "warm":
        warms = new WarmInstances({ memories, maxBytes: message.maxBytes });
        return;
      case "spares":
        for (const buffer of message.buffers) recycleBuffer(buffer);
        drain();
        return;
      case "forget": {
        const gone = modules.get(message.key);
        if (gone) warms.forget(gone.module);
        noteWarm();
        modules.delete(message.key);
        status[STATUS_MODULES] = modules.size;
        // V8 frees a dropped module only at a full collection, which a
        // worker running small guests seldom starts by itself.
        dropped.add(message.cost);
        return;
      }
      case "ring":
        ring = new Ring(message.shared);
        drain();
        return;
      case "template":
        templates.set(message.id, {
          moduleKey: message.moduleKey,
          spec: message.spec,
          ...(message.then ? { then: message.then } : {}),
        });
        drain();
        return;
      case "forgetTemplate":
        templates.delete(message.id);
        return;
      case "fdLedger":
        adoptFdLedger(message.buffer);
        return;
      case "interrupt":
        cell = new InterruptCell(message.memory);
        return;
      case "callReply":
        calls.get(message.callId)?.resolve(message.reply);
        calls.delete(message.callId);
        return;
      case "cancel":
        for (const [id, call] of calls) {
          if (call.seq !== message.seq) continue;
          calls.delete(id);
          call.reject(new CallCancelled());
        }
        return;
      case "jobs":
        for (const buffer of message.spares) recycleBuffer(buffer);
        for (const job of message.jobs) {
          // A template always comes before the first job that names it.
          byMessage.set(
            job.seq,
            "template" in job
              ? templated(job.seq, job.template, job.stdin)!
              : job,
          );
        }
        drain();
    }
  };
  // Its modules are loaded: the pool may now give it jobs.
  post({ type: "ready", thread: currentThreadId() });
}
