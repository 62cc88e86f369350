import { connectionType, pageArgs, type Builder } from "../../graphql/builder.ts";
import type { Backup } from "./service.ts";

export function registerBackupGraphql(builder: Builder) {
  const BackupType = builder.objectRef<Backup>("Backup").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      status: t.exposeString("status"),
      trigger: t.exposeString("trigger"),
      startedAt: t.string({ resolve: (b) => b.started_at }),
      finishedAt: t.string({ nullable: true, resolve: (b) => b.finished_at }),
      file: t.exposeString("file", { nullable: true }),
      sizeBytes: t.float({ nullable: true, resolve: (b) => b.size_bytes }),
      sha256: t.exposeString("sha256", { nullable: true }),
      error: t.exposeString("error", { nullable: true }),
      actorId: t.id({ nullable: true, resolve: (b) => b.actor_id }),
      instance: t.exposeString("instance"),
      encrypted: t.exposeBoolean("encrypted"),
      keyId: t.exposeString("key_id", { nullable: true }),
      durationMs: t.float({ nullable: true, resolve: (b) => b.duration_ms }),
    }),
  });
  const BackupConnection = connectionType(builder, "Backup", BackupType);

  builder.queryFields((t) => ({
    backups: t.field({
      type: BackupConnection,
      args: { first: t.arg.int(), after: t.arg.string() },
      resolve: (_root, args, { ctx, services }) => services.backups.list(ctx, pageArgs(args)),
    }),
    backup: t.field({
      type: BackupType,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.backups.get(ctx, String(args.id)),
    }),
  }));
  builder.mutationFields((t) => ({
    startBackup: t.field({
      type: BackupType,
      resolve: (_root, _args, { ctx, services }) => services.backups.start(ctx, {}),
    }),
  }));
}
