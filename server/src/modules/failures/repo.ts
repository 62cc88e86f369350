import type { Queryable } from "../../db/index.ts";

/** The failure-code catalogue; repairs point at it. The failures module builds on this table. */
export const failureCodesRepo = {
  findById(db: Queryable, id: string) {
    return db.selectFrom("failure_codes").selectAll().where("id", "=", id).executeTakeFirst();
  },
};
