// The closed shape a collection index is parsed into (API.md §3 `indexes`).
// SECURITY: DDL is only ever built from these values, never from the client's SQL text.

/** Comparison operators allowed in a partial index's WHERE clause. */
export type CmpOp = '=' | '!=' | '<>' | '<' | '<=' | '>' | '>=';

/** The other side of a comparison that names a column rather than a literal. */
export type ColumnRef = { readonly column: string };

export type WhereValue = string | number | boolean | null | ColumnRef;

/** A restricted WHERE clause: AND/OR/NOT over `column op value` and `column IS [NOT] NULL`. */
export type WhereExpr =
  | { readonly kind: 'and' | 'or'; readonly left: WhereExpr; readonly right: WhereExpr }
  | { readonly kind: 'not'; readonly expr: WhereExpr }
  | { readonly kind: 'cmp'; readonly column: string; readonly op: CmpOp; readonly value: WhereValue }
  | { readonly kind: 'isNull'; readonly column: string; readonly negated: boolean };

export type IndexDirection = 'ASC' | 'DESC';

export type IndexColumn = {
  readonly name: string;
  /** `COLLATE NOCASE`: ASCII case-insensitive, as in SQLite. */
  readonly nocase: boolean;
  readonly direction: IndexDirection | null;
};

export type ParsedIndex = {
  readonly name: string;
  readonly unique: boolean;
  /** `IF NOT EXISTS`: kept for the wire form only; the DDL never uses it. */
  readonly ifNotExists?: boolean;
  readonly table: string;
  readonly columns: readonly IndexColumn[];
  readonly where: WhereExpr | null;
};

/** Thrown for any index string outside the supported grammar; `position` is a 0-based offset. */
export class IndexSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number | null = null,
  ) {
    super(message);
    this.name = 'IndexSyntaxError';
  }
}
