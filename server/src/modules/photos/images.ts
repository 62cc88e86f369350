import exifReader from "exif-reader";
import sharp, { type Metadata, type Sharp } from "sharp";
import { AppError, validationFailed } from "../../errors.ts";
import type { ImageFormat } from "./formats.ts";

/**
 * The image pipeline of an upload (SPEC §10): tell the format from the bytes, refuse what is
 * not JPEG, PNG or WebP and what is too big to decode safely, then make three metadata-free
 * derivatives with the EXIF orientation applied.
 *
 * The stored "original" is a full-size re-encoding, not the uploaded bytes: those carry GPS
 * position, camera serial numbers and whatever was appended to the file (polyglots), and the
 * spec wants location data gone. The sha256 and size of the uploaded bytes are kept to prove
 * which file was uploaded.
 */

export const DISPLAY_SIZE = 1600;
export const THUMB_SIZE = 320;

export interface ImageLimits {
  maxPixels: number;
}

export interface ProcessedImage {
  format: ImageFormat;
  width: number;
  height: number;
  original: Buffer;
  display: { data: Buffer; width: number; height: number };
  thumb: Buffer;
  takenAt: string | null;
}

/** What the first bytes say the file is; never the file name or the declared content type. */
export function sniffFormat(data: Buffer): ImageFormat | { other: string | null } {
  const ascii = (from: number, to: number) => data.subarray(from, to).toString("latin1");
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return "jpeg";
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return "png";
  if (data.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "webp";
  if (data.length >= 12 && ascii(4, 8) === "ftyp") {
    const brand = ascii(8, 12);
    if (["avif", "avis"].includes(brand)) return { other: "AVIF" };
    if (["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"].includes(brand)) return { other: "HEIC" };
    return { other: "a video or ISO media file" };
  }
  if (ascii(0, 4) === "GIF8") return { other: "GIF" };
  if (ascii(0, 4) === "II*\0" || ascii(0, 4) === "MM\0*") return { other: "TIFF" };
  if (ascii(0, 2) === "BM") return { other: "BMP" };
  if (ascii(0, 5) === "%PDF-") return { other: "PDF" };
  return { other: null };
}

function unsupported(what: string | null): AppError {
  const message = what
    ? `${what} files are not accepted; send a JPEG, PNG or WebP image`
    : "The file is not a JPEG, PNG or WebP image";
  return new AppError(415, "UNSUPPORTED_MEDIA_TYPE", message, [
    { field: "file", message: "accepted formats: JPEG, PNG, WebP", code: "unsupported_format" },
  ]);
}

const corrupt = (format: ImageFormat) =>
  validationFailed(
    [{ field: "file", message: `not a readable ${format.toUpperCase()} image`, code: "corrupt_image" }],
    "The image could not be read: it is damaged, incomplete or not an image",
  );

export async function processImage(data: Buffer, limits: ImageLimits): Promise<ProcessedImage> {
  if (data.length === 0) {
    throw validationFailed([{ field: "file", message: "the file is empty", code: "empty_file" }]);
  }
  const format = sniffFormat(data);
  if (typeof format !== "string") throw unsupported(format.other);

  // `failOn: "truncated"` refuses cut-off files (an interrupted upload) but tolerates the minor
  // warnings some cameras' JPEGs raise; the pixel limit stops decompression bombs before decoding.
  const input = () => sharp(data, { failOn: "truncated", limitInputPixels: limits.maxPixels, autoOrient: true });

  let meta: Metadata;
  try {
    meta = await sharp(data, { limitInputPixels: false }).metadata();
  } catch {
    throw corrupt(format);
  }
  if (meta.format !== format) throw corrupt(format);
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  if (pixels > limits.maxPixels) {
    throw validationFailed(
      [
        {
          field: "file",
          message: `${meta.width}×${meta.height} is ${pixels.toLocaleString("en")} pixels; at most ${limits.maxPixels.toLocaleString("en")} are accepted`,
          code: "too_many_pixels",
        },
      ],
      "The image has too many pixels",
    );
  }

  try {
    const [original, display, thumb] = await Promise.all([
      encodeOriginal(input(), format).toBuffer({ resolveWithObject: true }),
      input()
        .resize(DISPLAY_SIZE, DISPLAY_SIZE, { fit: "inside", withoutEnlargement: true })
        .flatten({ background: "#ffffff" })
        .jpeg({ quality: 82 })
        .toBuffer({ resolveWithObject: true }),
      input()
        .resize(THUMB_SIZE, THUMB_SIZE, { fit: "inside", withoutEnlargement: true })
        .flatten({ background: "#ffffff" })
        .jpeg({ quality: 75 })
        .toBuffer(),
    ]);
    return {
      format,
      width: original.info.width,
      height: original.info.height,
      original: original.data,
      display: { data: display.data, width: display.info.width, height: display.info.height },
      thumb,
      takenAt: captureTime(meta.exif),
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw corrupt(format);
  }
}

/** Same format, full size, no metadata (sharp writes none unless asked). */
function encodeOriginal(image: Sharp, format: ImageFormat): Sharp {
  if (format === "png") return image.png({ compressionLevel: 6 });
  if (format === "webp") return image.webp({ quality: 92 });
  return image.jpeg({ quality: 92 });
}

/**
 * EXIF DateTimeOriginal as UTC. With OffsetTimeOriginal (most phones since 2018) the moment is
 * exact. Without it the camera's wall-clock time is read in the server's time zone, which is the
 * plant's: tablets and the server sit in the same plant. Dates outside 2000–now are dropped
 * (unset camera clocks say 1970 or 2004-01-01).
 */
export function captureTime(exif: Buffer | undefined, now = Date.now()): string | null {
  if (!exif) return null;
  try {
    const tags = exifReader(exif);
    const wall = tags.Photo?.DateTimeOriginal ?? tags.Image?.DateTime;
    if (!(wall instanceof Date) || Number.isNaN(wall.getTime())) return null;
    const offset = /^([+-])(\d{2}):(\d{2})$/.exec(String(tags.Photo?.OffsetTimeOriginal ?? "").trim());
    let at: number;
    if (offset) {
      const minutes = (Number(offset[2]) * 60 + Number(offset[3])) * (offset[1] === "-" ? -1 : 1);
      at = wall.getTime() - minutes * 60_000;
    } else {
      at = new Date(
        wall.getUTCFullYear(),
        wall.getUTCMonth(),
        wall.getUTCDate(),
        wall.getUTCHours(),
        wall.getUTCMinutes(),
        wall.getUTCSeconds(),
      ).getTime();
    }
    if (at < Date.UTC(2000, 0, 1) || at > now + 24 * 3600_000) return null;
    return new Date(at).toISOString();
  } catch {
    return null;
  }
}

/** The display image with an SVG drawn over it, as JPEG. */
/** Draws `svgOf(width, height)` over a JPEG at that JPEG's own size (display or thumbnail). */
export async function compositeJpeg(image: Buffer, svgOf: (width: number, height: number) => string): Promise<Buffer> {
  const { width, height } = await sharp(image).metadata();
  return sharp(image)
    .composite([{ input: Buffer.from(svgOf(width, height)), top: 0, left: 0 }])
    .jpeg({ quality: 85 })
    .toBuffer();
}
