// The package ships index.d.ts but its "exports" map hides it from TypeScript's nodenext
// resolution; this declares the part of its API HOM uses.
declare module "better-sqlite3-multiple-ciphers" {
  interface RunResult {
    changes: number;
    lastInsertRowid: number | bigint;
  }
  interface Statement {
    readonly reader: boolean;
    /** Whether the statement cannot change data (sqlite3_stmt_readonly). */
    readonly readonly: boolean;
    all(params: unknown[]): unknown[];
    get(params: unknown[]): unknown;
    run(params: unknown[]): RunResult;
    iterate(params: unknown[]): IterableIterator<unknown>;
  }
  interface Options {
    readonly?: boolean;
    fileMustExist?: boolean;
    timeout?: number;
  }
  class Database {
    constructor(filename: string, options?: Options);
    prepare(sql: string): Statement;
    pragma(source: string, options?: { simple?: boolean }): unknown;
    exec(sql: string): this;
    backup(destination: string): Promise<unknown>;
    close(): this;
    readonly open: boolean;
    readonly inTransaction: boolean;
  }
  export default Database;
}
