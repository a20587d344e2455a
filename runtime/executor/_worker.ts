/**
 * Entry module of an executor worker.
 */
import { startExecutorWorker } from "./worker_main.ts";

startExecutorWorker();
