import type { Kysely } from "kysely";
import { columnTypes } from "../columns.ts";
import type { DialectName } from "../index.ts";

/**
 * Accounts and personal data (issue 12, docs/security.md):
 * - `must_change_password`: an admin-forced reset; until the user sets a new password, their
 *   tokens only reach `me`, their sessions, the password change and logout;
 * - `anonymised_at`: when a departed user's name, username and e-mail were replaced by a pseudonym.
 */
export function dataProtection(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable("users")
        .addColumn("must_change_password", t.boolean, (c) => c.notNull().defaultTo(t.false))
        .execute();
      await db.schema.alterTable("users").addColumn("anonymised_at", t.timestamp).execute();
    },
  };
}
