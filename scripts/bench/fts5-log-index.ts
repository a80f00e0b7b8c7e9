// The SQLite FTS5 side of search-scale.ts: the generated log lines (log-corpus.ts) in a file
// database, as a careful SQLite user would store them for the same queries:
//   logs      a rowid table holding every line's fields (the documents: the counterpart of
//             chronik's log), with B-tree indexes on latency_ms (ranges) and service (terms
//             aggregation);
//   logs_fts  an external-content FTS5 table over level, service, user and message (the index
//             only: the text stays in `logs`).
// "Index bytes" are the FTS5 shadow tables and the two B-tree indexes (measured with dbstat);
// "document bytes" are the `logs` table.

import { Database, type Statement } from "bun:sqlite";
import { join } from "node:path";
import { type LogLine, logLines } from "./log-corpus.ts";

/** Lines parsed and inserted per transaction. */
const insertBatchLines = 10_000;
/** Hits each query returns with their fields, as chronik's `size`. */
export const topHits = 10;

/** A query in the terms SQLite can answer: an FTS5 MATCH, a latency range, or a count per service. */
export type FtsQuery = { match: string } | { latencyAtLeastMs: number } | { termsField: "service" };

/** What a query found: its hit count and, for an aggregation, the count per key. */
export interface FtsResult {
  hits: number;
  buckets?: Record<string, number>;
}

export interface FtsSizes {
  indexBytes: number;
  documentBytes: number;
  fileBytes: number;
}

export class Fts5LogIndex {
  readonly path: string;
  #database: Database;
  #statements = new Map<string, Statement>();

  constructor(dir: string) {
    this.path = join(dir, "logs.sqlite");
    this.#database = new Database(this.path, { create: true });
    this.#database.run("PRAGMA journal_mode = WAL");
    this.#database.run("PRAGMA synchronous = NORMAL");
    this.#database.run("CREATE TABLE logs (id INTEGER PRIMARY KEY, ts TEXT, level TEXT, service TEXT, user TEXT, latency_ms INTEGER, status INTEGER, message TEXT)");
    this.#database.run("CREATE INDEX logs_latency_ms ON logs (latency_ms)");
    this.#database.run("CREATE INDEX logs_service ON logs (service)");
    this.#database.run("CREATE VIRTUAL TABLE logs_fts USING fts5 (level, service, user, message, content = 'logs', content_rowid = 'id')");
  }

  /**
   * Indexes the first `count` lines of the corpus; returns the seconds spent parsing and
   * inserting them (generating the lines is not counted: chronik gets them over the network).
   */
  index(count: number, seed?: number): number {
    const insertLog = this.#database.prepare("INSERT INTO logs VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    const insertText = this.#database.prepare("INSERT INTO logs_fts (rowid, level, service, user, message) VALUES (?, ?, ?, ?, ?)");
    const insertBatch = this.#database.transaction((lines: string[], firstId: number) => {
      for (let i = 0; i < lines.length; i++) {
        const line = JSON.parse(lines[i]) as LogLine;
        const id = firstId + i;
        insertLog.run(id, line.ts, line.level, line.service, line.user, line.latency_ms, line.status, line.message);
        insertText.run(id, line.level, line.service, line.user, line.message);
      }
    });
    let seconds = 0;
    let batch: string[] = [];
    let id = 0;
    const flush = () => {
      const started = performance.now();
      insertBatch(batch, id);
      seconds += (performance.now() - started) / 1000;
      id += batch.length;
      batch = [];
    };
    for (const line of logLines(count, seed)) {
      batch.push(line);
      if (batch.length === insertBatchLines) flush();
    }
    if (batch.length > 0) flush();
    const started = performance.now();
    this.#database.run("PRAGMA wal_checkpoint(TRUNCATE)");
    return seconds + (performance.now() - started) / 1000;
  }

  sizes(): FtsSizes {
    const rows = this.#database.query("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name").all() as { name: string; bytes: number }[];
    const bytesOf = (test: (name: string) => boolean) => rows.filter((row) => test(row.name)).reduce((sum, row) => sum + row.bytes, 0);
    return {
      indexBytes: bytesOf((name) => name.startsWith("logs_fts_") || name === "logs_latency_ms" || name === "logs_service"),
      documentBytes: bytesOf((name) => name === "logs"),
      fileBytes: Bun.file(this.path).size,
    };
  }

  /** Runs a query as a search engine answers it: the hit count and the top hits' fields (best bm25 first). */
  run(query: FtsQuery): FtsResult {
    if ("termsField" in query) {
      const rows = this.#statement("SELECT service AS key, count(*) AS hits FROM logs GROUP BY service").all() as { key: string; hits: number }[];
      return { hits: rows.reduce((sum, row) => sum + row.hits, 0), buckets: Object.fromEntries(rows.map((row) => [row.key, row.hits])) };
    }
    if ("latencyAtLeastMs" in query) {
      this.#statement(`SELECT * FROM logs WHERE latency_ms >= ? LIMIT ${topHits}`).all(query.latencyAtLeastMs);
      return { hits: (this.#statement("SELECT count(*) AS hits FROM logs WHERE latency_ms >= ?").get(query.latencyAtLeastMs) as { hits: number }).hits };
    }
    this.#statement(`SELECT * FROM logs WHERE id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH ? ORDER BY rank LIMIT ${topHits})`).all(query.match);
    return { hits: (this.#statement("SELECT count(*) AS hits FROM logs_fts WHERE logs_fts MATCH ?").get(query.match) as { hits: number }).hits };
  }

  /** Closes and opens the database again: SQLite's page cache starts empty (the kernel's does not). */
  reopen(): void {
    this.close();
    this.#database = new Database(this.path);
  }

  close(): void {
    for (const statement of this.#statements.values()) statement.finalize();
    this.#statements.clear();
    this.#database.close();
  }

  #statement(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#database.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
