/**
 * Draw on a photo with a finger, a stylus or a mouse: arrows, circles, rectangles, freehand lines
 * and text. Loaded only when someone opens it (its own chunk). The drawing is saved as vector
 * shapes (PUT …/annotations through GraphQL `setPhotoAnnotations`); the photo itself never changes.
 */
import { useEffect, useRef, useState, type PointerEvent } from "react";
import { useTranslation } from "react-i18next";
import { saveAnnotations } from "../../api/photos";
import type { Photo } from "../../api/failures";
import { Button } from "../Button";
import { ErrorNotice, Loading } from "../Feedback";
import { drawShapes, parseShapes, round, shapeFromDrag, type Shape, type Tool } from "./shapes";
import { useImageUrl } from "./useImageUrl";

const TOOLS: Tool[] = ["arrow", "circle", "rectangle", "freehand", "text"];
const COLORS = ["#ff0000", "#ffd400", "#00c853", "#2979ff", "#ffffff"];
const STROKE = 6;
const FONT = 40;

interface Props {
  photo: Photo;
  onSaved: (photo: Photo) => void;
  onCancel: () => void;
}

export default function AnnotationEditor({ photo, onSaved, onCancel }: Props) {
  const { t } = useTranslation();
  const { url, failed } = useImageUrl(photo.id, "display");
  const canvas = useRef<HTMLCanvasElement>(null);
  const image = useRef<HTMLImageElement | null>(null);
  const [shapes, setShapes] = useState<Shape[]>(() => parseShapes(photo.annotations));
  const [draft, setDraft] = useState<Shape | null>(null);
  const [tool, setTool] = useState<Tool>("arrow");
  const [color, setColor] = useState(COLORS[0]);
  const [text, setText] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const start = useRef<[number, number] | null>(null);
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    if (!url) return;
    const img = new Image();
    img.onload = () => {
      image.current = img;
      setLoaded(true);
    };
    img.src = url;
  }, [url]);

  // Redraw on every change: the picture at full display size, then the shapes over it.
  useEffect(() => {
    const el = canvas.current;
    const img = image.current;
    if (!el || !img || !loaded) return;
    el.width = img.naturalWidth;
    el.height = img.naturalHeight;
    const ctx = el.getContext("2d");
    if (!ctx) return;
    ctx.drawImage(img, 0, 0);
    drawShapes(ctx, draft ? [...shapes, draft] : shapes, el.width, el.height);
  }, [shapes, draft, loaded]);

  function point(event: PointerEvent<HTMLCanvasElement>): [number, number] {
    const rect = event.currentTarget.getBoundingClientRect();
    return [round((event.clientX - rect.left) / rect.width), round((event.clientY - rect.top) / rect.height)];
  }
  const aspect = () => (canvas.current ? canvas.current.width / canvas.current.height : 1);

  function down(event: PointerEvent<HTMLCanvasElement>) {
    event.preventDefault();
    const p = point(event);
    if (tool === "text") {
      const label = text.trim();
      if (!label) return;
      setShapes((s) => [...s, { kind: "text", x: p[0], y: p[1], text: label.slice(0, 200), font_size: FONT, color }]);
      return;
    }
    event.currentTarget.setPointerCapture(event.pointerId);
    start.current = p;
    if (tool === "freehand") setDraft({ kind: "freehand", points: [p], color, stroke_width: STROKE });
  }

  function move(event: PointerEvent<HTMLCanvasElement>) {
    if (!start.current) return;
    const p = point(event);
    if (tool === "freehand") {
      setDraft((d) => (d?.kind === "freehand" && d.points.length < 1000 ? { ...d, points: [...d.points, p] } : d));
    } else if (tool !== "text") {
      setDraft(shapeFromDrag(tool, start.current, p, aspect(), color, STROKE));
    }
  }

  function up(event: PointerEvent<HTMLCanvasElement>) {
    if (!start.current) return;
    const from = start.current;
    start.current = null;
    const p = point(event);
    let shape: Shape | null = null;
    if (tool === "freehand") shape = draft?.kind === "freehand" && draft.points.length >= 2 ? draft : null;
    else if (tool !== "text") shape = shapeFromDrag(tool, from, p, aspect(), color, STROKE);
    setDraft(null);
    if (shape) setShapes((s) => [...s, shape]);
  }

  async function save() {
    setSaving(true);
    setError(null);
    try {
      onSaved(await saveAnnotations(photo.id, shapes));
    } catch (err) {
      setError(err);
      setSaving(false);
    }
  }

  const toolButton = (active: boolean) =>
    `min-h-12 min-w-12 rounded-lg border-2 px-3 font-semibold ${
      active
        ? "border-blue-700 bg-blue-50 text-blue-900 dark:border-blue-400 dark:bg-blue-950 dark:text-blue-100"
        : "border-slate-300 bg-white dark:border-slate-600 dark:bg-slate-800"
    }`;

  return (
    <div className="grid gap-3" data-testid="annotation-editor">
      <div className="flex flex-wrap items-center gap-2" role="toolbar" aria-label={t("photos.tools")}>
        {TOOLS.map((name) => (
          <button
            key={name}
            type="button"
            className={toolButton(tool === name)}
            aria-pressed={tool === name}
            onClick={() => setTool(name)}
          >
            {t(`photos.tool.${name}`)}
          </button>
        ))}
        <span className="mx-1" />
        {COLORS.map((c) => (
          <button
            key={c}
            type="button"
            aria-label={t("photos.colour", { colour: c })}
            aria-pressed={color === c}
            onClick={() => setColor(c)}
            className={`h-12 w-12 rounded-full border-4 ${color === c ? "border-blue-700 dark:border-blue-300" : "border-slate-300 dark:border-slate-600"}`}
            style={{ backgroundColor: c }}
          />
        ))}
      </div>
      {tool === "text" && (
        <label className="grid gap-1">
          <span className="font-medium">{t("photos.textLabel")}</span>
          <input
            className="block min-h-12 w-full rounded-lg border border-slate-300 bg-white px-4 text-lg dark:border-slate-600 dark:bg-slate-900"
            value={text}
            maxLength={200}
            onChange={(e) => setText(e.target.value)}
            placeholder={t("photos.textHint")}
          />
        </label>
      )}
      {failed ? <ErrorNotice error={new Error(t("photos.loadFailed"))} /> : !loaded ? <Loading /> : null}
      <canvas
        ref={canvas}
        data-testid="annotation-canvas"
        // Sized by its own pixels (a replaced element keeps its aspect): what the finger touches is
        // where the shape lands.
        className={`block h-auto max-h-[70vh] w-auto max-w-full touch-none rounded-lg ${loaded ? "" : "hidden"}`}
        style={{ touchAction: "none" }}
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={() => {
          start.current = null;
          setDraft(null);
        }}
      />
      {error !== null && <ErrorNotice error={error} />}
      <div className="flex flex-wrap gap-2">
        <Button onClick={() => void save()} disabled={saving} data-testid="save-annotations">
          {saving ? t("common.saving") : t("photos.saveDrawing")}
        </Button>
        <Button variant="secondary" onClick={() => setShapes((s) => s.slice(0, -1))} disabled={shapes.length === 0}>
          {t("photos.undo")}
        </Button>
        <Button variant="secondary" onClick={() => setShapes([])} disabled={shapes.length === 0}>
          {t("photos.clear")}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
        <span className="self-center text-sm text-slate-600 dark:text-slate-400">
          {t("photos.shapeCount", { count: shapes.length })}
        </span>
      </div>
    </div>
  );
}
