import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";

const READ_ONLY_SQL = /^\s*(select|show|explain)\b/i;

/**
 * Counts the statements through this Kysely instance that may have changed data, once each has
 * completed, plus every commit (`committed()`, called by the driver): the PostgreSQL half of
 * `Db.dataVersion`. A reader that takes the count before it reads can never pair it with older
 * data: a write it did not see completes, or its transaction commits, after that, and moves the
 * count on. Raw SQL counts unless it starts with SELECT, SHOW or EXPLAIN.
 */
export class WriteCounter implements KyselyPlugin {
  #count = 0;
  readonly #writes = new WeakMap<QueryId, true>();

  get count(): number {
    return this.#count;
  }

  committed(): void {
    this.#count++;
  }

  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    if (mayWrite(node)) this.#writes.set(queryId, true);
    return node;
  }

  async transformResult({ queryId, result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.#writes.has(queryId)) this.#count++;
    return result;
  }
}

function mayWrite(node: RootOperationNode): boolean {
  if (node.kind === "SelectQueryNode") return false;
  if (node.kind === "RawNode") return !READ_ONLY_SQL.test(node.sqlFragments.join("?"));
  return true;
}
