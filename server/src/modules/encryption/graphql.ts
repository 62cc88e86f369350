import { connectionType, pageArgs, type Builder } from "../../graphql/builder.ts";
import type { KeyRotation } from "./service.ts";

export function registerEncryptionGraphql(builder: Builder) {
  const KeyRotationType = builder.objectRef<KeyRotation>("KeyRotation").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      status: t.exposeString("status"),
      trigger: t.exposeString("trigger"),
      fromKeyId: t.string({ resolve: (r) => r.from_key_id }),
      toKeyId: t.string({ resolve: (r) => r.to_key_id }),
      databaseRekeyed: t.boolean({ resolve: (r) => r.database_rekeyed }),
      photosTotal: t.int({ resolve: (r) => r.photos_total }),
      photosDone: t.int({ resolve: (r) => r.photos_done }),
      startedAt: t.string({ resolve: (r) => r.started_at }),
      updatedAt: t.string({ resolve: (r) => r.updated_at }),
      finishedAt: t.string({ nullable: true, resolve: (r) => r.finished_at }),
      error: t.exposeString("error", { nullable: true }),
      actorId: t.id({ nullable: true, resolve: (r) => r.actor_id }),
    }),
  });
  const KeyRotationConnection = connectionType(builder, "KeyRotation", KeyRotationType);
  const EncryptionStatus = builder
    .objectRef<{ encrypted: boolean; key_id: string | null; rotating: boolean }>("EncryptionStatus")
    .implement({
      fields: (t) => ({
        encrypted: t.exposeBoolean("encrypted"),
        keyId: t.exposeString("key_id", { nullable: true }),
        rotating: t.exposeBoolean("rotating"),
      }),
    });

  builder.queryFields((t) => ({
    encryptionStatus: t.field({
      type: EncryptionStatus,
      resolve: (_root, _args, { ctx, services }) => services.encryption.status(ctx),
    }),
    keyRotations: t.field({
      type: KeyRotationConnection,
      args: { first: t.arg.int(), after: t.arg.string() },
      resolve: (_root, args, { ctx, services }) => services.encryption.list(ctx, pageArgs(args)),
    }),
    keyRotation: t.field({
      type: KeyRotationType,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.encryption.get(ctx, String(args.id)),
    }),
  }));
  builder.mutationFields((t) => ({
    rotateEncryptionKey: t.field({
      type: KeyRotationType,
      resolve: (_root, _args, { ctx, services }) => services.encryption.start(ctx, {}),
    }),
  }));
}
