// The joins one filter needs (relations, back-relations, @collection, JSON array elements) and the
// budget that caps them. Aliases are generated (`_q1`, `_q2`, ...), never taken from input.
import { sql, type RawBuilder } from 'kysely';
import { AppError } from '../core/errors.js';
import type { DialectAdapter } from '../db/index.js';
import type { FilterScope } from './scope.js';

/** Joined tables (JSON element lists included) in one SELECT: well under SQLite's 64 and MariaDB's 61. */
export const MAX_JOINS = 30;
/** Joins in one compiled filter, counting every subquery: bounds the SQL a filter can produce. */
export const MAX_TOTAL_JOINS = 2000;
/** Relation hops in one path (`a.b.c.d.e.f.field`), as PocketBase's maxNestedRels. */
export const MAX_RELATION_DEPTH = 6;

/** PocketBase answers every unusable filter with its generic 400; the reason rides in `cause` for logs. */
export const invalid = (reason = 'invalid filter expression'): AppError =>
  new AppError('bad_request', undefined, {}, { cause: new Error(reason) });

/** State shared by one top-level compile and the rules it compiles inside it. */
export interface CompileContext {
  readonly dialect: DialectAdapter;
  /** The clock; reading it makes the compiled SQL volatile. */
  readonly now: Date;
  /** Marks the compiled SQL as depending on request data beyond the caller. */
  volatile(): void;
  nextAlias(): string;
  countJoin(): void;
}

export function createContext(scope: FilterScope): CompileContext {
  let aliases = 0;
  let joins = 0;
  const now = scope.now ?? new Date();
  const volatile = (): void => scope.onVolatile?.();
  return {
    dialect: scope.dialect,
    get now() {
      volatile();
      return now;
    },
    volatile,
    nextAlias: () => `_q${++aliases}`,
    countJoin: () => {
      if (++joins > MAX_TOTAL_JOINS) throw invalid('too many joins');
    },
  };
}

/**
 * The LEFT JOINs of one SELECT, hanging off `base` (the row the filter is about). A shared space
 * reuses a join for the same path, as PocketBase reuses one table alias per path, so
 * `@collection.m.user ?= x && @collection.m.role ?= y` must hold for one `m` row.
 */
export class JoinSpace {
  readonly clauses: RawBuilder<unknown>[] = [];
  private readonly byKey = new Map<string, string>();

  constructor(readonly ctx: CompileContext, readonly base: string) {}

  /** The alias of the join for `key`, adding `LEFT JOIN <from> ON <on>` the first time. */
  join(key: string, make: (alias: string) => { from: RawBuilder<unknown>; on: RawBuilder<unknown> }): string {
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    if (this.clauses.length >= MAX_JOINS) throw invalid('too many joins');
    this.ctx.countJoin();
    const alias = this.ctx.nextAlias();
    const { from, on } = make(alias);
    this.clauses.push(sql`LEFT JOIN ${from} ON ${on}`);
    this.byKey.set(key, alias);
    return alias;
  }

  /** `FROM <table> AS <anchor> <joins>`: the anchor is this space's base. */
  fromClause(table: string): RawBuilder<unknown> {
    return sql`${sql.table(table)} AS ${sql.id(this.base)}${this.clauses.length === 0 ? sql`` : sql` ${sql.join(this.clauses, sql` `)}`}`;
  }
}
