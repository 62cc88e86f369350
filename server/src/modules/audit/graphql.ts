import { connectionType, pageArgs, toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import type { AuditEntry, VerifyResult } from "./service.ts";

export function registerAuditGraphql(builder: Builder) {
  const AuditEntryType = builder.objectRef<AuditEntry>("AuditEntry").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      seq: t.exposeInt("seq"),
      at: t.exposeString("at"),
      actorId: t.string({ nullable: true, resolve: (e) => e.actor_id }),
      action: t.exposeString("action"),
      entityType: t.string({ resolve: (e) => e.entity_type }),
      entityId: t.string({ nullable: true, resolve: (e) => e.entity_id }),
      changes: t.field({ type: "JSON", resolve: (e) => e.changes }),
      requestId: t.string({ nullable: true, resolve: (e) => e.request_id }),
      prevHash: t.string({ resolve: (e) => e.prev_hash }),
      hash: t.exposeString("hash"),
    }),
  });
  const AuditConnection = connectionType(builder, "AuditEntry", AuditEntryType);
  const AuditVerification = builder.objectRef<VerifyResult>("AuditVerification").implement({
    fields: (t) => ({
      ok: t.exposeBoolean("ok"),
      checked: t.exposeInt("checked"),
      firstBadId: t.string({ nullable: true, resolve: (r) => r.first_bad_id }),
    }),
  });

  builder.queryFields((t) => ({
    auditLog: t.field({
      type: AuditConnection,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        entityType: t.arg.string(),
        entityId: t.arg.string(),
        actorId: t.arg.string(),
        action: t.arg.string(),
        from: t.arg.string(),
        to: t.arg.string(),
      },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.audit.list(ctx, { ...pageArgs({ first, after }), ...toSnakeCase(withoutNulls(filter)) }),
    }),
    auditVerify: t.field({
      type: AuditVerification,
      resolve: (_root, _args, { ctx, services }) => services.audit.verifyForActor(ctx),
    }),
  }));
}
