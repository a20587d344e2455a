/// <reference lib="deno.worker" />
/**
 * Opens the embedded store in the directory it is sent, writes once,
 * closes it, and answers "ok" or why it could not.
 */
import { openEmbeddedStore } from "../../state/mod.ts";

self.onmessage = async (event: MessageEvent<string>) => {
  try {
    const store = openEmbeddedStore(event.data);
    await store.bucketSync("b").put("k", new Uint8Array([1]));
    await store[Symbol.asyncDispose]();
    self.postMessage("ok");
  } catch (error) {
    self.postMessage((error as Error).message);
  }
};
