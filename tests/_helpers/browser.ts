/**
 * Debian's chromium, headless, driven by playwright-core: launching it,
 * and checking that a screenshot shows something.
 *
 * @module
 */
import { type Browser, type Page, playwrightChromium } from "./deps.ts";

/** Where Debian's `chromium` package puts the browser. */
const CHROMIUM = "/usr/bin/chromium";

/**
 * The chromium binary, or `undefined` when it is not installed (then the
 * browser tests are ignored; `.ci/run` installs it).
 *
 * @example
 * ```ts ignore
 * Deno.test({ name: "...", ignore: chromium() === undefined, fn });
 * ```
 */
export function chromium(): string | undefined {
  try {
    return Deno.statSync(CHROMIUM).isFile ? CHROMIUM : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A headless chromium, closed on dispose.
 *
 * @example
 * ```ts ignore
 * await using browser = await launchBrowser();
 * const page = await browser.browser.newPage();
 * ```
 */
export async function launchBrowser(): Promise<
  { browser: Browser } & AsyncDisposable
> {
  const browser = await playwrightChromium.launch({
    executablePath: chromium(),
    headless: true,
    // The sandbox needs user namespaces, which containers often lack.
    chromiumSandbox: false,
    args: ["--disable-gpu", "--disable-dev-shm-usage"],
  });
  return { browser, [Symbol.asyncDispose]: () => browser.close() };
}

/**
 * How much of `png` (a screenshot) is not its most common colour, and how
 * many colours it has, counted by the browser itself on a canvas.
 *
 * @example
 * ```ts ignore
 * const { distinct, notBackground } = await pixelSpread(page, png);
 * ```
 */
export async function pixelSpread(
  page: Page,
  png: Uint8Array,
): Promise<{ distinct: number; notBackground: number }> {
  const dataUrl = `data:image/png;base64,${
    btoa(Array.from(png, (b) => String.fromCharCode(b)).join(""))
  }`;
  // Written as the page's own script: Deno's types have no DOM.
  return await page.evaluate<{ distinct: number; notBackground: number }>(
    `(async (src) => {
    const image = new Image();
    image.src = src;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const { data } = context.getImageData(0, 0, image.width, image.height);
    const counts = new Map();
    for (let i = 0; i < data.length; i += 4) {
      const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
    }
    const top = Math.max(...counts.values());
    return { distinct: counts.size, notBackground: 1 - top / (data.length / 4) };
  })(${JSON.stringify(dataUrl)})`,
  );
}
