import type { FastifyInstance } from "fastify";
import { ping, type Db } from "../db/index.ts";
import { pendingMigrations } from "../db/migrate.ts";

export function registerHealth(app: FastifyInstance, db: Db): void {
  app.get("/healthz", { schema: { tags: ["operations"], summary: "Process is up" } }, async () => ({ status: "ok" }));

  app.get(
    "/readyz",
    { schema: { tags: ["operations"], summary: "Database reachable and migrations applied" } },
    async (request, reply) => {
      try {
        await ping(db);
        const pending = await pendingMigrations(db);
        if (pending.length > 0)
          return reply.code(503).send({ status: "not_ready", reason: `pending migrations: ${pending.join(", ")}` });
        return { status: "ready", database: db.dialect };
      } catch (error) {
        request.log.warn({ err: error }, "readiness check failed");
        return reply.code(503).send({ status: "not_ready", reason: "database unreachable" });
      }
    },
  );
}
