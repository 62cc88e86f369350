/**
 * Annotation shapes as the server stores them (docs/photos.md): coordinates are fractions of the
 * image, sizes are pixels of an image 1000 px on its longer side. Drawing them on a canvas here
 * matches the server's rendering of `/annotated`.
 */
export type Shape =
  | { kind: "arrow"; x1: number; y1: number; x2: number; y2: number; color: string; stroke_width: number }
  | { kind: "circle"; x: number; y: number; r: number; color: string; stroke_width: number }
  | { kind: "rectangle"; x: number; y: number; width: number; height: number; color: string; stroke_width: number }
  | { kind: "freehand"; points: [number, number][]; color: string; stroke_width: number }
  | { kind: "text"; x: number; y: number; text: string; font_size: number; color: string };

export type Tool = "arrow" | "circle" | "rectangle" | "freehand" | "text";

const clamp = (v: number) => Math.min(1, Math.max(0, v));
export const round = (v: number) => Math.round(clamp(v) * 10000) / 10000;

/** Accepts what the server sent back; anything unrecognised is dropped rather than drawn wrongly. */
export function parseShapes(value: unknown): Shape[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (s): s is Shape =>
      typeof s === "object" &&
      s !== null &&
      ["arrow", "circle", "rectangle", "freehand", "text"].includes((s as Shape).kind),
  );
}

export function drawShapes(ctx: CanvasRenderingContext2D, shapes: Shape[], width: number, height: number): void {
  const scale = Math.max(width, height) / 1000;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const s of shapes) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    if (s.kind === "text") {
      const size = s.font_size * scale;
      ctx.font = `bold ${size}px sans-serif`;
      ctx.lineWidth = size / 12;
      ctx.strokeStyle = "#000000";
      ctx.strokeText(s.text, s.x * width, s.y * height);
      ctx.fillText(s.text, s.x * width, s.y * height);
      continue;
    }
    ctx.lineWidth = s.stroke_width * scale;
    ctx.beginPath();
    switch (s.kind) {
      case "circle":
        ctx.arc(s.x * width, s.y * height, s.r * width, 0, Math.PI * 2);
        ctx.stroke();
        break;
      case "rectangle":
        ctx.strokeRect(s.x * width, s.y * height, s.width * width, s.height * height);
        break;
      case "freehand":
        s.points.forEach(([x, y], i) =>
          i === 0 ? ctx.moveTo(x * width, y * height) : ctx.lineTo(x * width, y * height),
        );
        ctx.stroke();
        break;
      case "arrow": {
        const [x1, y1, x2, y2] = [s.x1 * width, s.y1 * height, s.x2 * width, s.y2 * height];
        ctx.moveTo(x1, y1);
        ctx.lineTo(x2, y2);
        ctx.stroke();
        const angle = Math.atan2(y2 - y1, x2 - x1);
        const head = Math.max(10 * scale, s.stroke_width * scale * 4);
        ctx.beginPath();
        ctx.moveTo(x2, y2);
        ctx.lineTo(x2 - head * Math.cos(angle + 0.45), y2 - head * Math.sin(angle + 0.45));
        ctx.lineTo(x2 - head * Math.cos(angle - 0.45), y2 - head * Math.sin(angle - 0.45));
        ctx.closePath();
        ctx.fill();
        break;
      }
    }
  }
}

/** The shape a drag from (ax, ay) to (bx, by) makes with a tool (fractions of the image); null if too small. */
export function shapeFromDrag(
  tool: Exclude<Tool, "text" | "freehand">,
  a: [number, number],
  b: [number, number],
  aspect: number,
  color: string,
  strokeWidth: number,
): Shape | null {
  const [ax, ay] = a;
  const [bx, by] = b;
  if (Math.hypot(bx - ax, (by - ay) / aspect) < 0.01) return null;
  switch (tool) {
    case "arrow":
      return {
        kind: "arrow",
        x1: round(ax),
        y1: round(ay),
        x2: round(bx),
        y2: round(by),
        color,
        stroke_width: strokeWidth,
      };
    case "circle": {
      // r is a fraction of the width; the vertical distance counts in width units.
      const r = Math.hypot(bx - ax, (by - ay) / aspect);
      return {
        kind: "circle",
        x: round(ax),
        y: round(ay),
        r: Math.min(1, Math.max(0.005, round(r))),
        color,
        stroke_width: strokeWidth,
      };
    }
    case "rectangle": {
      const x = round(Math.min(ax, bx));
      const y = round(Math.min(ay, by));
      const width = Math.max(0.005, Math.min(round(Math.abs(bx - ax)), 1 - x));
      const height = Math.max(0.005, Math.min(round(Math.abs(by - ay)), 1 - y));
      return { kind: "rectangle", x, y, width, height, color, stroke_width: strokeWidth };
    }
  }
}
