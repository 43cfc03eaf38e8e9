// Each engine's DDL for a parsed collection index: SQLite as PocketBase runs it, PostgreSQL and
// MariaDB with the rewrites that keep SQLite's meaning (NOCASE, partial unique indexes).
// SECURITY: names are re-quoted and literals re-spelled here; nothing is copied from the client's text.
import { createHash } from 'node:crypto';
import { numberLiteral, renderWhere, sqliteLiteral, type SqlSpelling } from './format.js';
import type { IndexColumn, ParsedIndex, WhereExpr, WhereValue } from './types.js';

export type IndexEngine = 'sqlite' | 'postgres' | 'mysql';
/** How a column is stored (the same names as the db port's ColumnKind). */
export type IndexColumnKind = 'id' | 'text' | 'number' | 'bool' | 'json' | 'jsonArray';
export type ColumnKinds = Readonly<Record<string, IndexColumnKind>>;

/** Generated columns that stand in for partial and NOCASE indexes on MariaDB start with this. */
export const GENERATED_COLUMN_PREFIX = '_ms_idx_';

type Literal = Exclude<WhereValue, { column: string }>;

const MYSQL_MAX_NAME = 64;
// NOTE: InnoDB keys hold at most 3072 bytes; utf8mb4 takes up to 4 bytes a character, so a lone
// text column gets the classic 191-character prefix and several share the budget.
const MYSQL_MAX_KEY_BYTES = 3072;
const MYSQL_MAX_PREFIX = 191;
const MYSQL_FIXED_KEY_BYTES: Readonly<Record<IndexColumnKind, number>> = {
  id: 1020, text: 0, json: 0, jsonArray: 0, number: 8, bool: 1,
};
/** Types of MariaDB's stand-in columns, matching the source column; text compares bytewise. */
const MYSQL_GENERATED_TYPES: Readonly<Record<IndexColumnKind, string>> = {
  id: 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin',
  text: 'LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin',
  json: 'LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin',
  jsonArray: 'LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin',
  number: 'DOUBLE',
  bool: 'TINYINT(1)',
};

const quoteDouble = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const quoteBacktick = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
const isTextKind = (kind: IndexColumnKind): boolean => kind !== 'number' && kind !== 'bool';

/**
 * The statements that create `idx` on `table` (the real table name, which wins over `idx.table`).
 * `columnKinds` maps column names to how they are stored; unknown names count as text.
 */
export function indexDdl(idx: ParsedIndex, engine: IndexEngine, table: string, columnKinds: ColumnKinds = {}): string[] {
  const kindOf = kindLookup(columnKinds);
  switch (engine) {
    case 'sqlite':
      return [sqliteIndex(idx, table)];
    case 'postgres':
      return [postgresIndex(idx, table, kindOf)];
    case 'mysql':
      return [mysqlIndex(idx, table, kindOf)];
  }
}

/**
 * The statements that drop `idx` from `table`. They use IF EXISTS so that a compensating drop after
 * a half-applied MariaDB change can run twice.
 */
export function dropIndexDdl(idx: ParsedIndex, engine: IndexEngine, table: string): string[] {
  switch (engine) {
    case 'sqlite':
    case 'postgres':
      // NOTE: index names are database-wide in SQLite and schema-wide in PostgreSQL; no table needed.
      return [`DROP INDEX IF EXISTS ${quoteDouble(idx.name)}`];
    case 'mysql': {
      const generated = idx.columns.flatMap((c, i) => (mayUseGeneratedColumn(idx, c) ? [mysqlGeneratedColumnName(idx, i)] : []));
      if (generated.length === 0) return [`DROP INDEX IF EXISTS ${quoteBacktick(idx.name)} ON ${quoteBacktick(table)}`];
      // NOTE: one ALTER drops the index and its stand-in columns together, so MariaDB (which commits
      // each DDL statement) never keeps one without the other.
      const drops = [`DROP INDEX IF EXISTS ${quoteBacktick(idx.name)}`, ...generated.map((g) => `DROP COLUMN IF EXISTS ${quoteBacktick(g)}`)];
      return [`ALTER TABLE ${quoteBacktick(table)} ${drops.join(', ')}`];
    }
  }
}

/**
 * The MariaDB stand-in column for key column `position` of `idx`: `_ms_idx_<index>` for one-column
 * indexes, `_ms_idx_<index>_<position>` otherwise; names past 64 characters are shortened with a hash.
 */
export function mysqlGeneratedColumnName(idx: ParsedIndex, position: number): string {
  const suffix = idx.columns.length > 1 ? `_${position}` : '';
  const plain = `${GENERATED_COLUMN_PREFIX}${idx.name}${suffix}`;
  if (plain.length <= MYSQL_MAX_NAME) return plain;
  const hash = createHash('sha256').update(idx.name).digest('hex').slice(0, 8);
  const keep = MYSQL_MAX_NAME - GENERATED_COLUMN_PREFIX.length - hash.length - 1 - suffix.length;
  return `${GENERATED_COLUMN_PREFIX}${idx.name.slice(0, keep)}_${hash}${suffix}`;
}

// --- SQLite -------------------------------------------------------------------------------------

// NOTE: IF NOT EXISTS is left out on every engine: the schema is ours, and an index of the same
// name with another definition must fail loudly rather than be kept.
function sqliteIndex(idx: ParsedIndex, table: string): string {
  const columns = idx.columns.map((c) => `${quoteDouble(c.name)}${c.nocase ? ' COLLATE NOCASE' : ''}${direction(c)}`);
  const where = idx.where ? ` WHERE ${renderWhere(idx.where, { ident: quoteDouble, literal: sqliteLiteral })}` : '';
  return `CREATE ${unique(idx)}INDEX ${quoteDouble(idx.name)} ON ${quoteDouble(table)} (${columns.join(', ')})${where}`;
}

// --- PostgreSQL ---------------------------------------------------------------------------------

// NOTE: text columns are TEXT COLLATE "C", under which lower() folds ASCII letters only: exactly
// SQLite's NOCASE. PostgreSQL wants an expression key in its own parentheses. Partial indexes are
// native. NOCASE on number and bool columns changes nothing in SQLite, so it is dropped here.
function postgresIndex(idx: ParsedIndex, table: string, kindOf: KindOf): string {
  const columns = idx.columns.map((c) => {
    const name = quoteDouble(c.name);
    const key = c.nocase && isTextKind(kindOf(c.name)) ? `(lower(${name}))` : name;
    return `${key}${direction(c)}`;
  });
  const spelling: SqlSpelling = { ident: quoteDouble, literal: (value, column) => postgresLiteral(value, kindOf(column)) };
  const where = idx.where ? ` WHERE ${renderWhere(idx.where, spelling)}` : '';
  return `CREATE ${unique(idx)}INDEX ${quoteDouble(idx.name)} ON ${quoteDouble(table)} (${columns.join(', ')})${where}`;
}

// NOTE: PostgreSQL refuses `text = 5` and `boolean = 1`, which SQLite answers through column
// affinity; the literal is re-spelled as SQLite would convert it. standard_conforming_strings is on
// (the default since 9.1), so only quotes are doubled.
function postgresLiteral(value: Literal, kind: IndexColumnKind): string {
  if (isTextKind(kind) && (typeof value === 'number' || typeof value === 'boolean')) return sqliteLiteral(affinityText(value));
  if (kind === 'bool' && (value === 0 || value === 1)) return value === 1 ? 'TRUE' : 'FALSE';
  if (kind === 'number' && typeof value === 'boolean') return value ? '1' : '0';
  return sqliteLiteral(value);
}

// --- MariaDB ------------------------------------------------------------------------------------

/**
 * NOTE: MariaDB has neither partial indexes nor NOCASE, so a key column may become a VIRTUAL
 * INVISIBLE generated column (kept out of SELECT * and of INSERTs without a column list):
 * - UNIQUE … WHERE `col` != '' on that one text column: NULLIF(col, ''), NULLs never collide;
 * - any other UNIQUE … WHERE: CASE WHEN <where> THEN col END for every key column;
 * - COLLATE NOCASE on a text column: LOWER(col) (LOWER also folds non-ASCII letters, stricter
 *   than SQLite for uniqueness).
 * A non-unique partial index simply loses its WHERE: a full index serves the same lookups.
 * UNIQUE on LONGTEXT needs no prefix (MariaDB 10.4+ builds a hash key); other text keys get one.
 */
function mysqlIndex(idx: ParsedIndex, table: string, kindOf: KindOf): string {
  const spelling: SqlSpelling = { ident: quoteBacktick, literal: (value, column) => mysqlLiteral(value, kindOf(column)) };
  const prefix = mysqlPrefixLength(idx, kindOf);
  const added: string[] = [];
  const keys = idx.columns.map((c, i) => {
    const kind = kindOf(c.name);
    const source = mysqlKeySource(idx, c, kind, spelling);
    let column = quoteBacktick(c.name);
    if (source !== null) {
      column = quoteBacktick(mysqlGeneratedColumnName(idx, i));
      added.push(`ADD COLUMN ${column} ${MYSQL_GENERATED_TYPES[kind]} AS (${source}) VIRTUAL INVISIBLE`);
    }
    const length = !idx.unique && isTextKind(kind) && kind !== 'id' ? `(${prefix})` : '';
    return `${column}${length}${direction(c)}`;
  });
  const name = quoteBacktick(idx.name);
  if (added.length === 0) return `CREATE ${unique(idx)}INDEX ${name} ON ${quoteBacktick(table)} (${keys.join(', ')})`;
  // NOTE: one ALTER adds the stand-in columns and the index together, so MariaDB (which commits
  // each DDL statement) can never be left with one and not the other.
  return `ALTER TABLE ${quoteBacktick(table)} ${added.join(', ')}, ADD ${unique(idx)}INDEX ${name} (${keys.join(', ')})`;
}

/** The generated expression standing in for key column `c`, or null when the column is used as is. */
function mysqlKeySource(idx: ParsedIndex, c: IndexColumn, kind: IndexColumnKind, spelling: SqlSpelling): string | null {
  const isLowered = c.nocase && isTextKind(kind);
  const value = isLowered ? `LOWER(${quoteBacktick(c.name)})` : quoteBacktick(c.name);
  if (!idx.unique || idx.where === null) return isLowered ? value : null;
  if (isNotEmptyCheck(idx, idx.where, kind)) return `NULLIF(${value}, '')`;
  return `CASE WHEN ${renderWhere(idx.where, spelling)} THEN ${value} END`;
}

// The PocketBase pattern for optional unique fields: UNIQUE (col) WHERE col != ''.
function isNotEmptyCheck(idx: ParsedIndex, where: WhereExpr, kind: IndexColumnKind): boolean {
  const only = idx.columns[0];
  return idx.columns.length === 1 && only !== undefined && isTextKind(kind) && where.kind === 'cmp'
    && where.column.toLowerCase() === only.name.toLowerCase() && (where.op === '!=' || where.op === '<>') && where.value === '';
}

// Decided without column kinds so that a drop always finds what a create may have added.
function mayUseGeneratedColumn(idx: ParsedIndex, c: IndexColumn): boolean {
  return (idx.unique && idx.where !== null) || c.nocase;
}

function mysqlPrefixLength(idx: ParsedIndex, kindOf: KindOf): number {
  let fixed = 0;
  let texts = 0;
  for (const c of idx.columns) {
    const kind = kindOf(c.name);
    if (kind === 'id' || !isTextKind(kind)) fixed += MYSQL_FIXED_KEY_BYTES[kind];
    else texts++;
  }
  if (texts === 0) return MYSQL_MAX_PREFIX;
  return Math.max(1, Math.min(MYSQL_MAX_PREFIX, Math.floor((MYSQL_MAX_KEY_BYTES - fixed) / (4 * texts))));
}

// NOTE: MariaDB compares a text column with a number numerically ('abc' = 0 is true), so numbers
// and booleans against text become strings as SQLite's affinity makes them. Backslashes are
// doubled because MariaDB treats them as escapes unless NO_BACKSLASH_ESCAPES is set.
function mysqlLiteral(value: Literal, kind: IndexColumnKind): string {
  const converted = isTextKind(kind) && (typeof value === 'number' || typeof value === 'boolean') ? affinityText(value) : value;
  if (typeof converted !== 'string') return sqliteLiteral(converted);
  return `'${converted.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

// --- shared -------------------------------------------------------------------------------------

type KindOf = (column: string) => IndexColumnKind;

function kindLookup(kinds: ColumnKinds): KindOf {
  const byLower = new Map(Object.entries(kinds).map(([name, kind]) => [name.toLowerCase(), kind] as const));
  return (column) => (Object.hasOwn(kinds, column) ? kinds[column] : undefined) ?? byLower.get(column.toLowerCase()) ?? 'text';
}

/** The text SQLite's TEXT affinity makes of a number or boolean literal. */
function affinityText(value: number | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  return numberLiteral(value);
}

function unique(idx: ParsedIndex): string {
  return idx.unique ? 'UNIQUE ' : '';
}

function direction(c: IndexColumn): string {
  return c.direction ? ` ${c.direction}` : '';
}
