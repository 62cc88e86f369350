import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, validationFailed } from "../../errors.ts";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { parseInput } from "../../validate.ts";
import {
  annotationsSchema,
  listSchema,
  tooLarge,
  updateSchema,
  variantSchema,
  annotatedSchema,
  type PhotoImage,
  type PhotoService,
  type UploadedFile,
} from "./service.ts";

/** Room for the form fields and multipart boundaries around the file. */
const ENVELOPE_BYTES = 64 * 1024;

export async function registerPhotoRoutes(app: FastifyInstance, services: Services): Promise<void> {
  registerReadRoutes(app, services);
  const { photos } = services;
  // Multipart is parsed only in this scope: every other route keeps answering 415 to it.
  await app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: photos.maxBytes } });

    scope.post(
      "/api/v1/photos",
      describe(
        "photos",
        "Upload a photo (multipart/form-data: file, entity_type, entity_id, caption, angle; operator)",
      ),
      async (request, reply) => {
        photos.authorizeUpload(request.ctx);
        const length = Number(request.headers["content-length"] ?? 0);
        if (length > photos.maxBytes + ENVELOPE_BYTES) throw tooLarge(photos.maxBytes);
        if (!request.isMultipart()) {
          throw new AppError(415, "UNSUPPORTED_MEDIA_TYPE", "Send the photo as multipart/form-data", [
            { field: "(body)", message: "must be multipart/form-data with a file field", code: "not_multipart" },
          ]);
        }
        const { fields, file } = await readForm(request, photos);
        return reply.code(201).send(await photos.upload(request.ctx, fields, file));
      },
    );
  });
}

/** The form's text fields and its one file, read whole (at most the configured size). */
async function readForm(
  request: FastifyRequest,
  photos: PhotoService,
): Promise<{ fields: Record<string, string>; file?: UploadedFile }> {
  const fields: Record<string, string> = {};
  let file: UploadedFile | undefined;
  try {
    const parts = request.parts({ limits: { fileSize: photos.maxBytes, files: 1, fields: 10, fieldSize: 4096 } });
    for await (const part of parts) {
      if (part.type === "file") {
        if (part.fieldname !== "file") {
          await part.toBuffer().catch(() => {});
          throw validationFailed([
            { field: part.fieldname, message: "Unknown file field; send it as file", code: "unknown_field" },
          ]);
        }
        file = { data: await part.toBuffer(), filename: part.filename };
      } else {
        if (part.valueTruncated) {
          throw validationFailed([{ field: part.fieldname, message: "is too long", code: "too_long" }]);
        }
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (error) {
    throw multipartError(error, photos.maxBytes);
  }
  return { fields, file };
}

function multipartError(error: unknown, maxBytes: number): unknown {
  if (error instanceof AppError) return error;
  const code = (error as { code?: string }).code;
  if (code === "FST_REQ_FILE_TOO_LARGE") return tooLarge(maxBytes);
  if (code === "FST_FILES_LIMIT") {
    return validationFailed([{ field: "file", message: "send one file per upload", code: "too_many_files" }]);
  }
  if (code === "FST_FIELDS_LIMIT" || code === "FST_PARTS_LIMIT") {
    return validationFailed([{ field: "(body)", message: "too many form fields", code: "too_many_fields" }]);
  }
  if (code === "FST_PROTO_VIOLATION") {
    return validationFailed([{ field: "(body)", message: "field name not allowed", code: "unknown_field" }]);
  }
  return new AppError(400, "BAD_REQUEST", "The multipart body could not be read");
}

/** Sends an image with caching headers; a matching If-None-Match gets 304 without reading the object. */
async function sendImage(request: FastifyRequest, reply: FastifyReply, image: PhotoImage): Promise<FastifyReply> {
  reply
    .header("etag", image.etag)
    .header("cache-control", image.immutable ? "private, max-age=31536000, immutable" : "private, no-cache")
    .header("vary", "authorization");
  const match = request.headers["if-none-match"];
  if (match && match.split(",").some((tag) => tag.trim().replace(/^W\//, "") === image.etag)) {
    return reply.code(304).send();
  }
  const body = await image.body();
  return reply
    .type(image.contentType)
    .header("content-disposition", "inline")
    .header("content-security-policy", "default-src 'none'; sandbox")
    .send(body);
}

function registerReadRoutes(app: FastifyInstance, { photos }: Services): void {
  app.get(
    "/api/v1/photos",
    describe("photos", "The photos of one record, newest first (entity_type and entity_id required)", {
      query: listSchema,
    }),
    async (request) => photos.list(request.ctx, request.query),
  );
  app.get<IdParams>("/api/v1/photos/:id", describe("photos", "One photo's details", { id: true }), async (request) =>
    photos.get(request.ctx, request.params.id),
  );
  const variants = [
    ["original", "original", "The full-size image, orientation applied, metadata removed"],
    ["display", "display", "The image at display size (at most 1600 px, JPEG)"],
    ["thumbnail", "thumb", "The thumbnail (at most 320 px, JPEG)"],
  ] as const;
  for (const [path, variant, summary] of variants) {
    app.get<IdParams>(`/api/v1/photos/:id/${path}`, describe("photos", summary, { id: true }), async (request, reply) =>
      sendImage(request, reply, await photos.image(request.ctx, request.params.id, variant)),
    );
  }
  app.get<IdParams>(
    "/api/v1/photos/:id/file",
    describe("photos", "One of the images: ?variant=original|display|thumb", { id: true, query: variantSchema }),
    async (request, reply) => {
      const { variant } = parseInput(variantSchema, request.query);
      return sendImage(request, reply, await photos.image(request.ctx, request.params.id, variant));
    },
  );
  app.get<IdParams>(
    "/api/v1/photos/:id/annotated",
    describe("photos", "The display image (?size=thumb: the thumbnail) with the annotations drawn on it", {
      id: true,
      query: annotatedSchema,
    }),
    async (request, reply) =>
      sendImage(request, reply, await photos.annotated(request.ctx, request.params.id, request.query)),
  );
  app.put<IdParams>(
    "/api/v1/photos/:id/annotations",
    describe("photos", "Replace the photo's annotations (operator); the image is never altered", {
      id: true,
      body: annotationsSchema,
    }),
    async (request) => photos.setAnnotations(request.ctx, request.params.id, request.body),
  );
  app.patch<IdParams>(
    "/api/v1/photos/:id",
    describe("photos", "Change caption or angle (operator)", { id: true, body: updateSchema }),
    async (request) => photos.update(request.ctx, request.params.id, request.body),
  );
  app.delete<IdParams>(
    "/api/v1/photos/:id",
    describe("photos", "Delete a photo (uploader, or engineer for anyone's; soft, audited)", { id: true }),
    async (request) => photos.delete(request.ctx, request.params.id),
  );
}
