import { connectionType, pageArgs, toSnakeCase, type Builder, type GraphQLContext } from "../../graphql/builder.ts";
import { loader } from "../../graphql/loaders.ts";
import type { Refs } from "../../graphql/refs.ts";
import { PHOTO_ENTITY_TYPES, type PhotoEntityType } from "./entities.ts";
import { PHOTO_ANGLES, type Photo } from "./service.ts";

/** Photos in GraphQL: read, caption, annotate, delete. Uploads are multipart and stay REST. */
export function registerPhotoGraphql(builder: Builder, refs: Refs) {
  const PhotoEntityTypeEnum = builder.enumType("PhotoEntityType", { values: PHOTO_ENTITY_TYPES });
  const PhotoAngle = builder.enumType("PhotoAngle", { values: PHOTO_ANGLES });

  const PhotoType = builder.objectRef<Photo>("Photo").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      entityType: t.string({ resolve: (p) => p.entity_type }),
      entityId: t.id({ resolve: (p) => p.entity_id }),
      caption: t.exposeString("caption", { nullable: true }),
      angle: t.exposeString("angle", { nullable: true }),
      format: t.exposeString("format"),
      width: t.exposeInt("width"),
      height: t.exposeInt("height"),
      displayWidth: t.int({ resolve: (p) => p.display_width }),
      displayHeight: t.int({ resolve: (p) => p.display_height }),
      takenAt: t.string({ nullable: true, resolve: (p) => p.taken_at }),
      sha256: t.exposeString("sha256"),
      byteSize: t.int({ resolve: (p) => p.byte_size }),
      annotations: t.field({ type: "JSON", resolve: (p) => p.annotations }),
      annotationsVersion: t.int({ resolve: (p) => p.annotations_version }),
      annotatedBy: t.id({ nullable: true, resolve: (p) => p.annotated_by }),
      annotatedAt: t.string({ nullable: true, resolve: (p) => p.annotated_at }),
      createdBy: t.id({ resolve: (p) => p.created_by }),
      createdAt: t.string({ resolve: (p) => p.created_at }),
      updatedAt: t.string({ resolve: (p) => p.updated_at }),
      url: t.exposeString("url"),
      thumbnailUrl: t.string({ resolve: (p) => p.thumbnail_url }),
      displayUrl: t.string({ resolve: (p) => p.display_url }),
      annotatedUrl: t.string({ resolve: (p) => p.annotated_url }),
    }),
  });
  const PhotoConnection = connectionType(builder, "Photo", PhotoType);

  // `photos` on every record that can have them: one query per kind per request (DataLoader).
  const photosOf = (context: GraphQLContext, type: PhotoEntityType, id: string) =>
    loader<{ id: string; photos: Photo[] }>(context, `photos:${type}`, async (ids) => {
      const byEntity = new Map<string, Photo[]>(ids.map((key) => [key, []]));
      for (const photo of await context.services.photos.byEntities(context.ctx, type, ids)) {
        byEntity.get(photo.entity_id)?.push(photo);
      }
      return [...byEntity].map(([key, photos]) => ({ id: key, photos }));
    })
      .load(id)
      .then((found) => found?.photos ?? []);
  const description = "The record's photos, newest first";
  builder.objectFields(refs.Tool, (t) => ({
    photos: t.field({ type: [PhotoType], description, resolve: (r, _a, c) => photosOf(c, "tool", r.id) }),
  }));
  builder.objectFields(refs.Machine, (t) => ({
    photos: t.field({ type: [PhotoType], description, resolve: (r, _a, c) => photosOf(c, "machine", r.id) }),
  }));
  builder.objectFields(refs.Repair, (t) => ({
    photos: t.field({ type: [PhotoType], description, resolve: (r, _a, c) => photosOf(c, "repair", r.id) }),
  }));
  builder.objectFields(refs.Downtime, (t) => ({
    photos: t.field({ type: [PhotoType], description, resolve: (r, _a, c) => photosOf(c, "downtime", r.id) }),
  }));
  builder.objectFields(refs.MaintenanceLog, (t) => ({
    photos: t.field({ type: [PhotoType], description, resolve: (r, _a, c) => photosOf(c, "maintenance_log", r.id) }),
  }));
  builder.objectFields(refs.FailureReport, (t) => ({
    photos: t.field({ type: [PhotoType], description, resolve: (r, _a, c) => photosOf(c, "failure_report", r.id) }),
  }));
  builder.objectFields(refs.Action, (t) => ({
    photos: t.field({ type: [PhotoType], description, resolve: (r, _a, c) => photosOf(c, "action", r.id) }),
  }));

  builder.queryFields((t) => ({
    photo: t.field({
      type: PhotoType,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.photos.get(ctx, String(args.id)),
    }),
    photos: t.field({
      type: PhotoConnection,
      args: {
        entityType: t.arg({ type: PhotoEntityTypeEnum, required: true }),
        entityId: t.arg.id({ required: true }),
        first: t.arg.int(),
        after: t.arg.string(),
      },
      resolve: (_root, { first, after, entityType, entityId }, { ctx, services }) =>
        services.photos.list(ctx, { ...pageArgs({ first, after }), entity_type: entityType, entity_id: entityId }),
    }),
  }));

  const UpdatePhotoInput = builder.inputType("UpdatePhotoInput", {
    fields: (t) => ({ caption: t.string(), angle: t.field({ type: PhotoAngle }) }),
  });

  builder.mutationFields((t) => ({
    updatePhoto: t.field({
      type: PhotoType,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdatePhotoInput, required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.photos.update(ctx, String(args.id), toSnakeCase(args.input)),
    }),
    setPhotoAnnotations: t.field({
      type: PhotoType,
      description: "Replace the photo's annotations; shapes as in the REST API (snake_case keys)",
      args: { id: t.arg.id({ required: true }), shapes: t.arg({ type: "JSON", required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.photos.setAnnotations(ctx, String(args.id), { shapes: args.shapes }),
    }),
    deletePhoto: t.field({
      type: PhotoType,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.photos.delete(ctx, String(args.id)),
    }),
  }));
}
