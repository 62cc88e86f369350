import type { Queryable } from "../../db/index.ts";
import {
  sql,
  type Expression,
  type Insertable,
  type RawBuilder,
  type Selectable,
  type SqlBool,
  type Updateable,
} from "kysely";
import type { UsersTable } from "../../db/schema.ts";
import { afterKey } from "../../db/pagination.ts";

export type UserRow = Selectable<UsersTable>;

export const usersRepo = {
  findById(db: Queryable, id: string) {
    return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  },

  findByUsername(db: Queryable, username: string) {
    return db.selectFrom("users").selectAll().where("username_key", "=", username.toLowerCase()).executeTakeFirst();
  },

  listAll(db: Queryable) {
    return db.selectFrom("users").selectAll().orderBy("username_key").execute();
  },

  async count(db: Queryable): Promise<number> {
    const row = await db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async countActiveAdmins(db: Queryable): Promise<number> {
    const row = await db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("role", "=", "admin")
      .where("active", "=", true)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async insert(db: Queryable, row: Insertable<UsersTable>): Promise<void> {
    await db.insertInto("users").values(row).execute();
  },

  async update(db: Queryable, id: string, patch: Updateable<UsersTable>): Promise<void> {
    await db.updateTable("users").set(patch).where("id", "=", id).execute();
  },

  /** Active accounts by name (full name, else username), matching `q` in either. */
  people(db: Queryable, q: string | undefined, limit: number) {
    let query = db
      .selectFrom("users")
      .select(["id", "username", "full_name"])
      .where("active", "=", true)
      .where("anonymised_at", "is", null);
    if (q) query = query.where((eb) => eb.or([contains(eb.ref("username_key"), q), contains(eb.ref("full_name"), q)]));
    return query
      .orderBy((eb) => eb.fn("lower", [eb.fn.coalesce("full_name", "username")]))
      .orderBy("id")
      .limit(limit)
      .execute();
  },

  byIds(db: Queryable, ids: readonly string[]) {
    if (ids.length === 0) return Promise.resolve([]);
    return db.selectFrom("users").select(["id", "username", "full_name"]).where("id", "in", ids).execute();
  },

  list(
    db: Queryable,
    filter: { role?: string; active?: boolean; q?: string; after?: [string, string] },
    limit: number,
  ) {
    let q = db.selectFrom("users").selectAll();
    if (filter.role) q = q.where("role", "=", filter.role);
    if (filter.active !== undefined) q = q.where("active", "=", filter.active);
    if (filter.q) {
      const text = filter.q;
      q = q.where((eb) =>
        eb.or([
          contains(eb.ref("username_key"), text),
          contains(eb.ref("full_name"), text),
          contains(eb.ref("email"), text),
        ]),
      );
    }
    if (filter.after) {
      q = q.where(afterKey("username_key", filter.after, "asc"));
    }
    return q.orderBy("username_key").orderBy("id").limit(limit).execute();
  },

  /** Atomic increment: concurrent failures are all counted. Returns the new count. */
  async incrementFailedLogins(db: Queryable, id: string): Promise<number> {
    const row = await db
      .updateTable("users")
      .set((eb) => ({ failed_login_count: eb("failed_login_count", "+", 1) }))
      .where("id", "=", id)
      .returning("failed_login_count")
      .executeTakeFirstOrThrow();
    return Number(row.failed_login_count);
  },
};

/**
 * `column` contains `text`, ignoring case, with `%`, `_` and `\` in the text taken literally on both
 * dialects (SQLite's LIKE has no escape character unless told, PostgreSQL's is the backslash).
 */
function contains(column: Expression<string | null>, text: string): RawBuilder<SqlBool> {
  const pattern = `%${text.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`lower(${column}) like ${pattern} escape '\\'`;
}
