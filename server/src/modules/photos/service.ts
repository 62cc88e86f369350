import { createHash } from "node:crypto";
import type { Insertable } from "kysely";
import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import { can } from "../../access/permissions.ts";
import { transaction, type Db, type Queryable } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool, type PhotosTable } from "../../db/schema.ts";
import { AppError, forbidden, notFound, validationFailed } from "../../errors.ts";
import { newId } from "../../ids.ts";
import type { KeyRing } from "../../key-ring.ts";
import type { SecretKey } from "../../secret-key.ts";
import { CipherError, open, seal, sealedWith } from "../../storage/cipher.ts";
import type { ObjectStore } from "../../storage/index.ts";
import { idInput, optionalText, parseInput } from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import { annotationsSchema, renderSvg, type Shape } from "./annotations.ts";
import { PHOTO_ENTITY_TYPES, photoEntities, type PhotoEntityType } from "./entities.ts";
import { MIME, type ImageFormat } from "./formats.ts";

/** sharp and the EXIF reader (≈ 10 MB) are loaded with the first photo, not at start. */
let pipeline: Promise<typeof import("./images.ts")> | undefined;
const images = () => (pipeline ??= import("./images.ts"));
import { photosRepo, type PhotoRow } from "./repo.ts";

export const PHOTO_ANGLES = ["front", "rear", "core", "cavity", "other"] as const;
export const PHOTO_VARIANTS = ["original", "display", "thumb"] as const;
export type PhotoVariant = (typeof PHOTO_VARIANTS)[number];

const entityType = z.enum(PHOTO_ENTITY_TYPES, {
  error: `must be one of ${PHOTO_ENTITY_TYPES.join(", ")}`,
});

/** The form fields of an upload (multipart fields are strings). */
export const uploadSchema = z.strictObject({
  entity_type: entityType,
  entity_id: idInput,
  caption: optionalText(500),
  angle: z.enum(PHOTO_ANGLES).nullish(),
});

export const updateSchema = z.strictObject({
  caption: optionalText(500),
  angle: z.enum(PHOTO_ANGLES).nullable().optional(),
});

export const listSchema = z.strictObject({
  ...pageQuery,
  entity_type: entityType,
  entity_id: idInput,
});

export const variantSchema = z.strictObject({ variant: z.enum(PHOTO_VARIANTS).default("display") });
/** `v`: the annotations version a client puts in the URL so that its cache never serves an old drawing. */
export const annotatedSchema = z.strictObject({
  size: z.enum(["display", "thumb"]).default("display"),
  v: z.string().max(20).optional(),
});

export { annotationsSchema };

/** A photo as the API shows it: no storage details, links to its images. */
export interface Photo {
  id: string;
  entity_type: string;
  entity_id: string;
  caption: string | null;
  angle: string | null;
  format: string;
  width: number;
  height: number;
  display_width: number;
  display_height: number;
  taken_at: string | null;
  sha256: string;
  byte_size: number;
  annotations: Shape[];
  annotations_version: number;
  annotated_by: string | null;
  annotated_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  url: string;
  thumbnail_url: string;
  display_url: string;
  annotated_url: string;
}

export interface UploadedFile {
  data: Buffer;
  /** As sent by the client: recorded nowhere and never used as a path. */
  filename?: string;
}

/** An image ready to send: the body is read (and decrypted) only when needed, after ETag checks. */
export interface PhotoImage {
  etag: string;
  contentType: string;
  /** Images never change under their URL; the annotated render changes with the annotations. */
  immutable: boolean;
  body(): Promise<Buffer>;
}

export interface PhotoServiceOptions {
  store: ObjectStore;
  /**
   * The master key for encryption at rest (photos derive their own key from it, `photos`);
   * without a current key, new photos are stored in the clear. During a key rotation the previous
   * key still reads photos not yet rewrapped.
   */
  keys: KeyRing;
  maxBytes: number;
  maxPixels: number;
}

function toPhoto(row: PhotoRow): Photo {
  const base = `/api/v1/photos/${row.id}`;
  return {
    id: row.id,
    entity_type: row.entity_type,
    entity_id: row.entity_id,
    caption: row.caption,
    angle: row.angle,
    format: row.format,
    width: row.width,
    height: row.height,
    display_width: row.display_width,
    display_height: row.display_height,
    taken_at: row.taken_at,
    sha256: row.sha256,
    byte_size: Number(row.byte_size),
    annotations: JSON.parse(row.annotations) as Shape[],
    annotations_version: row.annotations_version,
    annotated_by: row.annotated_by,
    annotated_at: row.annotated_at,
    created_by: row.created_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
    url: `${base}/original`,
    thumbnail_url: `${base}/thumbnail`,
    display_url: `${base}/display`,
    annotated_url: `${base}/annotated`,
  };
}

/** A stored photo that cannot be served: never sent as an image, always a clear error. */
function unreadable(reason: string, message: string): AppError {
  return new AppError(409, "PHOTO_UNREADABLE", message, [{ field: "file", message, code: reason }]);
}

/** Photos of tools, machines, repairs … (SPEC §10): upload, images, annotations, soft delete. */
export class PhotoService {
  readonly #db: Db;
  readonly #audit: AuditService;
  readonly #options: PhotoServiceOptions;

  constructor(db: Db, audit: AuditService, options: PhotoServiceOptions) {
    this.#db = db;
    this.#audit = audit;
    this.#options = options;
  }

  get maxBytes(): number {
    return this.#options.maxBytes;
  }

  /** Asked before the body of an upload is read, so a forbidden client does not get to send 25 MB. */
  authorizeUpload(ctx: RequestContext): void {
    authorize(ctx, "photos:write");
  }

  async upload(ctx: RequestContext, input: unknown, file: UploadedFile | undefined): Promise<Photo> {
    const actor = authorize(ctx, "photos:write");
    const fields = parseInput(uploadSchema, input);
    if (!file) throw validationFailed([{ field: "file", message: "is required", code: "required" }]);
    await this.#requireEntity(this.#db.kysely, fields.entity_type, fields.entity_id);
    if (file.data.length > this.#options.maxBytes) throw tooLarge(this.#options.maxBytes);
    const image = await (await images()).processImage(file.data, { maxPixels: this.#options.maxPixels });

    // Counted as a write under this key until its row commits (KeyRing.sealing), so a key rotation
    // starting meanwhile rewraps it too.
    return this.#options.keys.sealing(async (master) => {
      const id = newId();
      const key = `photos/${id}`;
      const encrypted = Boolean(master);
      const objects: [string, Buffer][] = [
        [`${key}/original`, image.original],
        [`${key}/display`, image.display.data],
        [`${key}/thumb`, image.thumb],
      ];
      await Promise.all(objects.map(([k, data]) => this.#options.store.put(k, this.#seal(master, k, data))));
      const now = new Date().toISOString();
      const row: Insertable<PhotosTable> = {
        id,
        entity_type: fields.entity_type,
        entity_id: fields.entity_id,
        caption: fields.caption ?? null,
        angle: fields.angle ?? null,
        format: image.format,
        sha256: createHash("sha256").update(file.data).digest("hex"),
        byte_size: file.data.length,
        width: image.width,
        height: image.height,
        display_width: image.display.width,
        display_height: image.display.height,
        taken_at: image.takenAt,
        storage_key: key,
        encrypted,
        annotations: "[]",
        annotations_version: 0,
        annotated_by: null,
        annotated_at: null,
        created_by: actor.id,
        created_at: now,
        updated_at: now,
        deleted_at: null,
        deleted_by: null,
      };
      try {
        const created = await transaction(this.#db, async (trx) => {
          await this.#requireEntity(trx, fields.entity_type, fields.entity_id);
          await photosRepo.insert(trx, row);
          const stored = (await photosRepo.findById(trx, id))!;
          const { annotations: _a, storage_key: _k, ...audited } = stored;
          await this.#audit.record(trx, ctx, {
            action: "photo.create",
            entity_type: "photo",
            entity_id: id,
            changes: diff(null, audited),
          });
          return stored;
        });
        return toPhoto(created);
      } catch (error) {
        // Nothing points at the objects: remove them rather than leave orphans behind.
        await Promise.allSettled(objects.map(([k]) => this.#options.store.delete(k)));
        throw error;
      }
    });
  }

  async get(ctx: RequestContext, id: string): Promise<Photo> {
    return toPhoto(await this.#readable(ctx, id));
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<Photo>> {
    authorize(ctx, "plant:read");
    const q = parseInput(listSchema, query);
    authorize(ctx, photoEntities[q.entity_type].readPermission);
    const before = q.cursor ? (decodeCursor(q.cursor, 2) as [string, string]) : undefined;
    const rows = await photosRepo.listByEntity(this.#db.kysely, q.entity_type, q.entity_id, q.limit + 1, before);
    return toPage(rows, q.limit, (r) => [r.created_at, r.id], toPhoto);
  }

  /** The photos of several records of one kind, for GraphQL's `photos` fields. */
  async byEntities(ctx: RequestContext, type: PhotoEntityType, ids: readonly string[]): Promise<Photo[]> {
    authorize(ctx, photoEntities[type].readPermission);
    return (await photosRepo.listByEntities(this.#db.kysely, type, ids)).map(toPhoto);
  }

  async image(ctx: RequestContext, id: string, variant: PhotoVariant): Promise<PhotoImage> {
    const row = await this.#readable(ctx, id);
    const format: ImageFormat = variant === "original" ? (row.format as ImageFormat) : "jpeg";
    return {
      etag: `"${row.sha256.slice(0, 32)}-${variant}"`,
      contentType: MIME[format],
      immutable: true,
      body: () => this.#load(row, variant),
    };
  }

  /** The display image with the annotations drawn on it (an SVG composited by sharp). */
  /**
   * The display image (or, `size: "thumb"`, the thumbnail, for a gallery) with the drawing on it.
   * Shapes are kept relative to the picture, so they are drawn at whichever size is asked for.
   */
  async annotated(ctx: RequestContext, id: string, query: unknown = {}): Promise<PhotoImage> {
    const { size } = parseInput(annotatedSchema, query);
    const row = await this.#readable(ctx, id);
    return {
      etag: `"${row.sha256.slice(0, 32)}-annotated-${size}-${row.annotations_version}"`,
      contentType: MIME.jpeg,
      immutable: false,
      body: async () => {
        const image = await this.#load(row, size);
        const shapes = JSON.parse(row.annotations) as Shape[];
        if (shapes.length === 0) return image;
        return (await images()).compositeJpeg(image, (width, height) => renderSvg(shapes, width, height));
      },
    };
  }

  /**
   * Replaces the photo's annotations (the whole drawing, as the editor saves it). Last write
   * wins; each save is audited with the drawing before and after, and bumps annotations_version.
   */
  async setAnnotations(ctx: RequestContext, id: string, input: unknown): Promise<Photo> {
    const actor = authorize(ctx, "photos:write");
    const { shapes } = parseInput(annotationsSchema, input);
    return transaction(this.#db, async (trx) => {
      for (;;) {
        const before = await photosRepo.findById(trx, id);
        if (!before) throw notFound("Photo");
        const now = new Date().toISOString();
        const saved = await photosRepo.updateAnnotations(trx, id, before.annotations_version, {
          annotations: JSON.stringify(shapes),
          annotated_by: actor.id,
          annotated_at: now,
          updated_at: now,
        });
        if (!saved) continue;
        const after = (await photosRepo.findById(trx, id))!;
        const changes = updateDiff(before, after);
        changes.annotations = [JSON.parse(before.annotations), shapes];
        await this.#audit.record(trx, ctx, {
          action: "photo.annotate",
          entity_type: "photo",
          entity_id: id,
          changes,
        });
        return toPhoto(after);
      }
    });
  }

  async update(ctx: RequestContext, id: string, input: unknown): Promise<Photo> {
    authorize(ctx, "photos:write");
    const patch = parseInput(updateSchema, input);
    return transaction(this.#db, async (trx) => {
      const before = await photosRepo.findById(trx, id);
      if (!before) throw notFound("Photo");
      await photosRepo.update(trx, id, { ...patch, updated_at: new Date().toISOString() });
      const after = (await photosRepo.findById(trx, id))!;
      await this.#audit.record(trx, ctx, {
        action: "photo.update",
        entity_type: "photo",
        entity_id: id,
        changes: updateDiff(before, after),
      });
      return toPhoto(after);
    });
  }

  /**
   * Soft delete: the photo disappears from lists and URLs, the row and the objects stay for the
   * audit trail until retention purges them. Uploaders delete their own photos; deleting
   * someone else's needs photos:delete_any.
   */
  async delete(ctx: RequestContext, id: string): Promise<Photo> {
    const actor = authorize(ctx, "photos:write");
    return transaction(this.#db, async (trx) => {
      const before = await photosRepo.findById(trx, id);
      if (!before) throw notFound("Photo");
      if (before.created_by !== actor.id && !can(actor, "photos:delete_any")) {
        throw forbidden("Only the uploader or an engineer may delete this photo");
      }
      const now = new Date().toISOString();
      await photosRepo.update(trx, id, { deleted_at: now, deleted_by: actor.id, updated_at: now });
      await this.#audit.record(trx, ctx, {
        action: "photo.delete",
        entity_type: "photo",
        entity_id: id,
        changes: { deleted_at: [null, now], deleted_by: [null, actor.id] },
      });
      return toPhoto({ ...before, deleted_at: now, deleted_by: actor.id, updated_at: now });
    });
  }

  /** The photo, if it exists and the caller may read the record it belongs to. */
  async #readable(ctx: RequestContext, id: string): Promise<PhotoRow> {
    authorize(ctx, "plant:read");
    const row = await photosRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("Photo");
    const kind = photoEntities[row.entity_type as PhotoEntityType];
    if (kind) authorize(ctx, kind.readPermission);
    return row;
  }

  async #requireEntity(db: Queryable, type: PhotoEntityType, id: string): Promise<void> {
    if (!(await photoEntities[type].exists(db, id))) {
      throw validationFailed([{ field: "entity_id", message: `No ${type} with this id`, code: "not_found" }]);
    }
  }

  #seal(master: SecretKey | undefined, key: string, data: Buffer): Buffer {
    return master ? seal(master.derive("photos"), data, key) : data;
  }

  async #load(row: PhotoRow, variant: PhotoVariant): Promise<Buffer> {
    const key = `${row.storage_key}/${variant}`;
    const blob = await this.#options.store.get(key);
    if (!blob) throw unreadable("missing", "The photo's file is missing from storage");
    if (!toBool(row.encrypted)) return blob;
    const masters = this.#options.keys.readable().map((k) => k.derive("photos"));
    if (masters.length === 0) {
      throw unreadable("key_missing", "The photo is encrypted and HOM_ENCRYPTION_KEY is not set");
    }
    // During a rotation a photo is sealed with the new key or, until rewrapped, the previous one.
    const master = masters.find((m) => sealedWith(m, blob)) ?? masters[0];
    try {
      return open(master, blob, key);
    } catch (error) {
      if (!(error instanceof CipherError)) throw error;
      if (error.reason === "wrong_key") {
        throw unreadable("wrong_key", "The photo was encrypted with a different HOM_ENCRYPTION_KEY");
      }
      throw unreadable(
        "tampered",
        "The photo's file has been altered or damaged since it was stored; it is not served",
      );
    }
  }
}

export function tooLarge(maxBytes: number): AppError {
  const mb = Math.round((maxBytes / 1_048_576) * 10) / 10;
  return new AppError(413, "PAYLOAD_TOO_LARGE", `The photo is larger than ${mb} MB`, [
    { field: "file", message: `must be at most ${maxBytes} bytes`, code: "too_large" },
  ]);
}
