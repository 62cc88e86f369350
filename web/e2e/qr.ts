/**
 * QR helpers for the e2e tests: decoding a rendered label in the page with jsQR, and a fake
 * camera for Chromium (`--use-file-for-fake-video-capture`): a Y4M file showing a QR code.
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "@playwright/test";
import qrcode from "qrcode-generator";

const require = createRequire(import.meta.url);

/** Decodes the first `svg[data-testid=qr-code]` on the page: drawn on a canvas, read by jsQR in the page. */
export async function decodeQrOnPage(page: Page): Promise<string | null> {
  await page.addScriptTag({ path: require.resolve("jsqr/dist/jsQR.js") });
  return page.evaluate(async () => {
    const svg = document.querySelector("svg[data-testid=qr-code]");
    if (!svg) return null;
    const size = 400;
    const image = new Image(size, size);
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = size;
    canvas.height = size;
    const context = canvas.getContext("2d")!;
    context.drawImage(image, 0, 0, size, size);
    const data = context.getImageData(0, 0, size, size);
    const decode = (
      window as unknown as { jsQR: (d: Uint8ClampedArray, w: number, h: number) => { data: string } | null }
    ).jsQR;
    return decode(data.data, size, size)?.data ?? null;
  });
}

/**
 * Writes a Y4M video (4:2:0, 640×480, a few identical frames; Chromium loops it) showing `text`
 * as a QR code on white: the raw luma plane is the picture, chroma is neutral grey.
 */
export function writeQrVideo(file: string, text: string): void {
  const width = 640;
  const height = 480;
  const qr = qrcode(0, "M");
  qr.addData(text, "Byte");
  qr.make();
  const modules = qr.getModuleCount();
  const cell = Math.floor(400 / (modules + 8));
  const side = cell * (modules + 8);
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let row = 0; row < modules; row++) {
    for (let col = 0; col < modules; col++) {
      if (!qr.isDark(row, col)) continue;
      for (let y = 0; y < cell; y++) {
        const offset = (top + (row + 4) * cell + y) * width + left + (col + 4) * cell;
        luma.fill(16, offset, offset + cell);
      }
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(file, Buffer.concat([header, ...Array.from({ length: 5 }, () => frame)]));
}
