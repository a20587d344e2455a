/**
 * Deploying WAT-built or example modules to a test node in one manifest.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Uploads `bytes` to node `url` as a module; resolves with its digest.
 *
 * @example
 * ```ts ignore
 * const digest = await uploadModule(node.url, spinner());
 * ```
 */
export async function uploadModule(
  url: string,
  bytes: Uint8Array,
): Promise<string> {
  const res = await fetch(`${url}/v1/modules`, {
    method: "PUT",
    headers: { "content-type": "application/wasm" },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).digest;
}

/**
 * Uploads each function's module and deploys them all in one manifest,
 * each with its `limits` (YAML flow mapping contents, e.g. `timeout: 1s`).
 *
 * @example
 * ```ts ignore
 * await deployModules(node.url, { spin: { module: spinner(), limits: "timeout: 500ms" } });
 * ```
 */
export async function deployModules(
  url: string,
  functions: Record<string, { module: Uint8Array; limits?: string }>,
): Promise<void> {
  const entries = [];
  for (const [name, { module, limits }] of Object.entries(functions)) {
    const digest = await uploadModule(url, module);
    entries.push(
      `{name: ${name}, module: "${digest}"${
        limits ? `, limits: {${limits}}` : ""
      }}`,
    );
  }
  const res = await fetch(`${url}/v1/manifests`, {
    method: "POST",
    headers: { "content-type": "application/yaml" },
    body: `functions: [${entries.join(", ")}]`,
  });
  assert.equal(res.status, 200, await res.text());
}
