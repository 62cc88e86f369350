import { z } from "zod";

/**
 * Annotations: vector shapes drawn over a photo (SPEC §10), stored as JSON beside it; the image
 * itself is never changed.
 *
 * Coordinates are normalised to the oriented image: x and y from 0 (left/top) to 1 (right/
 * bottom), so a drawing made over the thumbnail, the display size or the original lands on the
 * same spot. Sizes (stroke_width, font_size) are in pixels of an image 1000 px on its longer
 * side and scale with the image they are drawn on.
 */

const coordinate = z
  .number({ error: "must be a number" })
  .min(0, "must be between 0 and 1 (a fraction of the image)")
  .max(1, "must be between 0 and 1 (a fraction of the image)");
const extent = z
  .number({ error: "must be a number" })
  .gt(0, "must be greater than 0")
  .max(1, "must be at most 1 (a fraction of the image)");
const color = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, "must be a colour like #ff0000")
  .default("#ff0000");
const strokeWidth = z.number().min(1, "must be at least 1").max(50, "must be at most 50").default(4);

/** C0 controls other than tab, line feed and carriage return, and DEL: not writable in XML 1.0. */
const isControl = (code: number) => (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f;

export const MAX_SHAPES = 100;
export const MAX_POINTS_PER_SHAPE = 1000;
export const MAX_POINTS = 5000;

const shape = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({
      kind: z.literal("arrow"),
      x1: coordinate,
      y1: coordinate,
      x2: coordinate,
      y2: coordinate,
      color,
      stroke_width: strokeWidth,
    }),
    z.strictObject({
      kind: z.literal("circle"),
      x: coordinate,
      y: coordinate,
      /** A fraction of the image's width. */
      r: extent,
      color,
      stroke_width: strokeWidth,
    }),
    z
      .strictObject({
        kind: z.literal("rectangle"),
        x: coordinate,
        y: coordinate,
        width: extent,
        height: extent,
        color,
        stroke_width: strokeWidth,
      })
      .refine((r) => r.x + r.width <= 1 + 1e-9 && r.y + r.height <= 1 + 1e-9, {
        message: "must lie within the image (x + width and y + height at most 1)",
        path: ["width"],
      }),
    z.strictObject({
      kind: z.literal("freehand"),
      points: z
        .array(z.tuple([coordinate, coordinate]), { error: "must be a list of [x, y] pairs" })
        .min(2, "needs at least 2 points")
        .max(MAX_POINTS_PER_SHAPE, `must have at most ${MAX_POINTS_PER_SHAPE} points`),
      color,
      stroke_width: strokeWidth,
    }),
    z.strictObject({
      kind: z.literal("text"),
      x: coordinate,
      y: coordinate,
      text: z
        .string()
        .trim()
        .min(1, "must not be empty")
        .max(200, "must be at most 200 characters")
        // Control characters cannot be written in SVG/XML and never belong in a label.
        .refine((v) => ![...v].some((c) => isControl(c.charCodeAt(0))), "must not contain control characters"),
      font_size: z.number().min(8, "must be at least 8").max(200, "must be at most 200").default(32),
      color,
    }),
  ],
  { error: "kind must be one of arrow, circle, rectangle, freehand, text" },
);

export type Shape = z.output<typeof shape>;

export const annotationsSchema = z
  .strictObject({
    shapes: z.array(shape).max(MAX_SHAPES, `at most ${MAX_SHAPES} shapes`),
  })
  .refine((a) => a.shapes.reduce((n, s) => n + (s.kind === "freehand" ? s.points.length : 1), 0) <= MAX_POINTS, {
    message: `at most ${MAX_POINTS} points in all`,
    path: ["shapes"],
  });

/** Text for SVG: the five XML specials escaped, so a label can never become markup. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

const n = (v: number) => (Math.round(v * 100) / 100).toString();

/**
 * The shapes as one SVG the size of the image they are drawn on. Every value written into it is
 * a number, a validated #rrggbb colour or escaped text.
 */
export function renderSvg(shapes: Shape[], width: number, height: number): string {
  const scale = Math.max(width, height) / 1000;
  const X = (v: number) => n(v * width);
  const Y = (v: number) => n(v * height);
  const parts = shapes.map((s) => {
    if (s.kind === "text") {
      const size = s.font_size * scale;
      return (
        `<text x="${X(s.x)}" y="${Y(s.y)}" font-family="sans-serif" font-weight="bold" font-size="${n(size)}" ` +
        `fill="${s.color}" stroke="#000000" stroke-width="${n(size / 12)}" paint-order="stroke">${escapeXml(s.text)}</text>`
      );
    }
    const stroke = `stroke="${s.color}" stroke-width="${n(s.stroke_width * scale)}" fill="none" stroke-linecap="round" stroke-linejoin="round"`;
    switch (s.kind) {
      case "circle":
        return `<circle cx="${X(s.x)}" cy="${Y(s.y)}" r="${n(s.r * width)}" ${stroke}/>`;
      case "rectangle":
        return `<rect x="${X(s.x)}" y="${Y(s.y)}" width="${X(s.width)}" height="${Y(s.height)}" ${stroke}/>`;
      case "freehand":
        return `<polyline points="${s.points.map(([x, y]) => `${X(x)},${Y(y)}`).join(" ")}" ${stroke}/>`;
      case "arrow": {
        const [x1, y1, x2, y2] = [s.x1 * width, s.y1 * height, s.x2 * width, s.y2 * height];
        const angle = Math.atan2(y2 - y1, x2 - x1);
        const head = Math.max(10 * scale, s.stroke_width * scale * 4);
        const wing = (side: number) =>
          `${n(x2 - head * Math.cos(angle + side * 0.45))},${n(y2 - head * Math.sin(angle + side * 0.45))}`;
        return (
          `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" ${stroke}/>` +
          `<polygon points="${n(x2)},${n(y2)} ${wing(1)} ${wing(-1)}" fill="${s.color}"/>`
        );
      }
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join("")}</svg>`;
}
