/**
 * The console in a real browser (Debian's chromium, headless, driven by
 * playwright-core) against real nodes: log in, deploy by upload, invoke
 * from the form, watch a counter move live, run a two-node workflow and
 * see its trace drawn, and screenshots of every page at desktop and phone
 * width.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { until } from "../_helpers/data.ts";
import { chromium, launchBrowser, pixelSpread } from "../_helpers/browser.ts";
import { REPO_ROOT, startNode } from "../_helpers/node_process.ts";
import type { Page } from "../_helpers/deps.ts";

const TOKEN = "console-browser-test";
const WHY = chromium() === undefined
  ? " [ignored: Debian chromium is not installed at /usr/bin/chromium]"
  : "";
const auth = { authorization: `Bearer ${TOKEN}` };
const example = (name: string) =>
  join(REPO_ROOT, `examples/${name}/${name}.wasm`);

const SPEC = `name: shout-count
steps:
  - name: up
    function: up
    on: a
  - name: count
    function: count
    after: [up]
    on: b
output: count
`;

const PAGES = [
  "/",
  "/console/functions",
  "/console/functions/up",
  "/console/workflows",
  "/console/workflows/shout-count",
  "/console/api",
];
const WIDTHS = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
];

async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([
    page.waitForNavigation({ waitUntil: "domcontentloaded" }),
    page.click(selector),
  ]);
}

async function text(page: Page, selector: string): Promise<string> {
  return await page.$eval(selector, (e) => e.textContent ?? "");
}

Deno.test({
  name:
    `console in chromium: login, upload, invoke, live counter, two-node trace, screenshots${WHY}`,
  ignore: WHY !== "",
  async fn() {
    await using b = await startNode({
      flags: ["--node-id", "b", "--host-id", "h2", "--token", TOKEN],
    });
    await using a = await startNode({
      flags: [
        "--node-id",
        "a",
        "--host-id",
        "h1",
        "--token",
        TOKEN,
        "--peer",
        b.url,
      ],
    });
    const deployed = await fetch(`${b.url}/v1/functions/count`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/wasm" },
      body: await Deno.readFile(example("wordcount")),
    });
    assert.equal(deployed.status, 201, await deployed.text());
    await using browser = await launchBrowser();
    const page = await browser.browser.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });

    // Log in: the console asks for the token once.
    await page.goto(`${a.url}/console/functions`);
    assert.match(page.url(), /\/console\/login\?next=%2Fconsole%2Ffunctions$/);
    await page.fill("input[name=token]", "not-the-token");
    await submit(page, "button[type=submit]");
    assert.match(await text(page, "[role=alert]"), /not this node's token/);
    await page.fill("input[name=token]", TOKEN);
    await submit(page, "button[type=submit]");
    assert.equal(new URL(page.url()).pathname, "/console/functions");
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "eddy_session")!;
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, "Strict");

    // Deploy by upload.
    await page.fill("input[name=name]", "up");
    await page.setInputFiles("input[name=module]", example("uppercase"));
    await submit(page, "form[action='/console/functions'] button");
    assert.equal(new URL(page.url()).pathname, "/console/functions/up");
    assert.match(await text(page, "[role=status]"), /deployed up/);
    const fn =
      await (await fetch(`${a.url}/v1/functions/up`, { headers: auth }))
        .json();
    assert.equal(fn.name, "up");

    // Invoke from the form and read the output.
    await page.fill("textarea[name=input]", "hello console");
    await submit(page, "form[action$='/invoke'] button");
    assert.equal(await text(page, "[data-result=output]"), "HELLO CONSOLE");
    assert.equal(await text(page, "[data-result=exit-code]"), "0");

    // A counter moves live: three invocations from elsewhere, no reload.
    const counter = "[data-fn=up][data-field=invocations]";
    assert.equal(await text(page, counter), "1");
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${a.url}/invoke/up`, {
        method: "POST",
        body: "x",
      });
      await res.body?.cancel();
    }
    await until(
      "the counter shows 4 without a reload",
      async () => await text(page, counter) === "4",
    );

    // A workflow over two nodes, deployed and run from the pages.
    await until("a learns that b runs count", async () => {
      const { peers } = await (await fetch(`${a.url}/v1/peers`, {
        headers: auth,
      })).json();
      return peers.some((p: { info?: { functions: string[] } }) =>
        p.info?.functions.includes("count")
      );
    });
    await page.goto(`${a.url}/console/workflows`);
    await page.fill("textarea[name=spec]", SPEC);
    await submit(page, "form[action='/console/workflows'] button");
    assert.equal(
      new URL(page.url()).pathname,
      "/console/workflows/shout-count",
      await page.$eval("main", (e) => e.textContent ?? ""),
    );
    await page.fill("textarea[name=input]", "one two three\n");
    await submit(page, "form[action$='/run'] button");
    assert.equal(await text(page, "[data-result=output]"), "1 3 14\n");
    const edges = await page.$$eval("[data-edge]", (els) =>
      els.map((e) => [
        e.getAttribute("data-edge"),
        e.getAttribute("data-mode"),
        e.getAttribute("data-traced"),
        e.textContent,
      ]));
    assert.deepEqual(
      edges.map(([edge, mode, traced]) => [edge, mode, traced]),
      [
        ["$input>up", "memory", "true"],
        ["up>count", "http2", "true"],
        ["count>$output", "http2", "true"],
      ],
    );
    // Each drawn edge says its bytes and milliseconds.
    for (const [, mode, , label] of edges) {
      assert.match(label!, new RegExp(`^${mode}\\d+ B · \\d+\\.\\d\\d ms$`));
    }
    const steps = await page.$$eval(
      "[data-step]",
      (els) => els.map((e) => e.textContent),
    );
    assert.ok(
      steps.some((s) => /^upup on a · [\d.]+ ms$/.test(s!)),
      `${steps}`,
    );
    assert.ok(steps.some((s) => /^countcount on b · [\d.]+ ms$/.test(s!)));

    // Keyboard: the first Tab reaches the skip link; every field has a label.
    await page.goto(`${a.url}/console/functions/up`);
    await page.keyboard.press("Tab");
    assert.equal(
      await page.evaluate("document.activeElement?.textContent"),
      "Skip to content",
    );
    const unlabelled = await page.$$eval(
      "input:not([type=hidden]), textarea",
      (els) => els.filter((e) => !e.closest("label")).length,
    );
    assert.equal(unlabelled, 0);

    // Screenshots of each page at desktop and phone width, light and dark.
    const dir = Deno.env.get("EDDY_SCREENSHOTS") ??
      await Deno.makeTempDir({ prefix: "eddy-console-" });
    try {
      for (const size of WIDTHS) {
        await page.setViewportSize({ width: size.width, height: size.height });
        for (const path of PAGES) {
          await page.goto(`${a.url}${path}`, { waitUntil: "load" });
          const overflow = await page.evaluate<number>(
            "document.documentElement.scrollWidth - innerWidth",
          );
          assert.ok(
            overflow <= 0,
            `${path} at ${size.width}px scrolls sideways by ${overflow}px`,
          );
          const png = await page.screenshot({
            path: join(dir, `${size.name}${path.replaceAll("/", "_")}.png`),
            fullPage: true,
          });
          const spread = await pixelSpread(page, png);
          assert.ok(
            spread.distinct > 50 && spread.notBackground > 0.05,
            `${path} at ${size.name} looks blank: ${JSON.stringify(spread)}`,
          );
        }
      }
      await page.emulateMedia({ colorScheme: "dark" });
      await page.goto(`${a.url}/console/workflows/shout-count`);
      await page.screenshot({
        path: join(dir, "dark_workflow.png"),
        fullPage: true,
      });
      const background = await page.evaluate(
        "getComputedStyle(document.body).backgroundColor",
      );
      assert.equal(background, "rgb(15, 20, 25)");
    } finally {
      if (!Deno.env.has("EDDY_SCREENSHOTS")) {
        await Deno.remove(dir, { recursive: true });
      }
    }

    // Log out: the session is gone.
    await page.goto(`${a.url}/`);
    await submit(page, "form[action='/console/logout'] button");
    assert.match(page.url(), /\/console\/login$/);
    await page.goto(`${a.url}/console/functions`);
    assert.match(page.url(), /\/console\/login/);
  },
});
