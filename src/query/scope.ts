// What a filter is compiled against: the table and its columns, the other tables it may reach
// (relations, back-relations, @collection), the request values and who is asking.
// Generic: a domain (records) describes itself through these shapes and nothing else.
import type { ColumnKind, DialectAdapter } from '../db/index.js';
import type { Expr } from './ast.js';

/** A column a filter may name. */
export interface QueryColumn {
  readonly kind: ColumnKind;
  /** Only trusted filters (rules, superusers) may read it. */
  readonly hidden: boolean;
  /** A list-like field (select, relation, file): `:each` and `:length` apply; kind `jsonArray` when multiple. */
  readonly isList?: boolean;
  /** A relation field: the table (id or name, as the SchemaResolver knows it) its ids point into. */
  readonly relationTo?: string;
}

/** Who may read a table's rows through a join in a client filter. */
export type ReadAccess =
  | { readonly kind: 'superusers' }
  | { readonly kind: 'public' }
  | { readonly kind: 'filter'; readonly expr: Expr };

/** The table a filter runs against and the columns it may name. */
export interface QuerySchema {
  readonly table: string;
  readonly columns: ReadonlyMap<string, QueryColumn>;
  /** The id the resolver also knows this table by (a relation's `relationTo` may name it). */
  readonly id?: string;
  /** Rows a client filter may see when it joins this table (a collection's listRule); superusers only when absent. */
  readonly readAccess?: ReadAccess;
  /** Columns with a single-column unique index: a back-relation over one of them is single-valued. */
  readonly uniqueColumns?: ReadonlySet<string>;
  /** Holds `email`/`emailVisibility`: untrusted filters see an email only where it is visible. */
  readonly hasEmailVisibility?: boolean;
  /** False for views: they have no `_rowid_`, so `@rowid` is refused. */
  readonly hasRowid?: boolean;
}

/** Finds the other tables a filter names (relation targets, `x_via_y`, `@collection.x`). */
export interface SchemaResolver {
  /** By id or name; undefined when there is none. */
  schema(idOrName: string): QuerySchema | undefined;
}

/** What `@request.*` resolves to in rules. */
export interface RequestInfo {
  /** The caller's record (every field, hidden ones too, plus `collectionId`/`collectionName`), or null. */
  readonly auth: Readonly<Record<string, unknown>> | null;
  readonly method: string;
  readonly context: string;
  readonly query: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface FilterScope {
  readonly schema: QuerySchema;
  readonly dialect: DialectAdapter;
  readonly request: RequestInfo;
  /** Rules may use `@request.*`, `@collection.*` and hidden fields; client filters only when the caller is a superuser. */
  readonly isTrusted: boolean;
  /** Other tables; without it relations, back-relations and `@collection` are a 400. */
  readonly schemas?: SchemaResolver;
  /** The alias the base table goes by in the surrounding query; its name by default. */
  readonly tableRef?: string;
  /** The clock for datetime macros (tests pin it). */
  readonly now?: Date;
  /**
   * Called when the SQL being compiled depends on more than the text, the schemas and the caller
   * (`@request.auth.*`): on the rest of `@request.*` or on the clock. Callers that cache compiled
   * SQL per caller use it to know what they may keep.
   */
  readonly onVolatile?: () => void;
}
