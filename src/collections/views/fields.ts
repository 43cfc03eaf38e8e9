// A view's fields, derived from its result columns as PocketBase derives them: a column that is a
// source collection's field keeps that field's type and options (`x.id` becomes a relation to x),
// COUNT/TOTAL/CAST give their type, and anything else is json (number/bool where the engine says so).
import { fieldIdFor } from '../../core/ids.js';
import type { ViewColumn } from '../../db/index.js';
import { normalizeField, reservedFieldNameError } from '../fields/options.js';
import type { Collection, Field } from '../model.js';
import { ViewQueryError, type ParsedViewQuery, type SelectColumn } from './query.js';

const NAME = /^\w+$/;
const CAST = /^cast\s*\(.*\s+as\s+(\w+)\s*\)$/is;
const MISSING_ID = 'missing required id column (you can use `(ROW_NUMBER() OVER()) as id` if you don\'t have one)';

/** Finds a collection by name only (ids never appear in SQL). */
export type FindByName = (name: string) => Collection | undefined;

function make(raw: Record<string, unknown>): Field {
  const field = normalizeField(raw, {}, { isAuth: false });
  if (!field) throw new Error(`invalid derived view field ${String(raw.name)}`);
  return field;
}

const idField = (): Field => make({ name: 'id', type: 'text', system: true, required: true, primaryKey: true, pattern: '^[a-z0-9]+$' });

/** By the expression alone: COUNT(…), TOTAL(…) and CAST(… AS type), as PocketBase reads them. */
function fromExpression(name: string, expression: string): Field | null {
  const lower = expression.toLowerCase().replace(/\s+\(/g, '(');
  if (lower.startsWith('count(')) return make({ name, type: 'number', onlyInt: true });
  if (lower.startsWith('total(')) return make({ name, type: 'number' });
  const cast = CAST.exec(lower)?.[1];
  switch (cast) {
    case 'real': case 'decimal': case 'numeric': case 'double': case 'float':
      return make({ name, type: 'number' });
    case 'int': case 'integer': case 'bigint': case 'signed': case 'unsigned':
      return make({ name, type: 'number', onlyInt: true });
    case 'text': case 'char': case 'varchar':
      return make({ name, type: 'text' });
    case 'boolean': case 'bool':
      return make({ name, type: 'bool' });
    default:
      return null;
  }
}

/** By the source: `alias.field` or a bare field of the main table. */
function fromSource(name: string, ref: readonly string[], parsed: ParsedViewQuery, find: FindByName): Field | null {
  if (ref.length > 2) return null;
  const tableAlias = ref.length === 2 ? ref[0]! : parsed.tables[0]?.alias;
  const table = parsed.tables.find((t) => t.alias.toLowerCase() === tableAlias?.toLowerCase());
  const source = table ? find(table.name) : undefined;
  if (!source) return null;
  const column = ref[ref.length - 1]!.toLowerCase();
  const original = source.fields.find((f) => f.name.toLowerCase() === column);
  if (!original) return null;
  if (original.name === 'id') return make({ name, type: 'relation', collectionId: source.id, maxSelect: 1 });
  // A copy under the new name; options (select values, relation target, hidden…) carry over.
  return { ...original, id: fieldIdFor(original.type, name), name };
}

function fromColumnType(name: string, column: ViewColumn): Field {
  switch (column.kind) {
    case 'integer': return make({ name, type: 'number', onlyInt: true });
    case 'number': return make({ name, type: 'number' });
    case 'bool': return make({ name, type: 'bool' });
    default: return make({ name, type: 'json' });
  }
}

/** The parsed select item that produced each result column: by position when they line up, else by name. */
function matchColumns(columns: readonly ViewColumn[], parsed: ParsedViewQuery): (SelectColumn | undefined)[] {
  if (columns.length === parsed.columns.length) return [...parsed.columns];
  return columns.map((c) => parsed.columns.find((p) => p.name?.toLowerCase() === c.name.toLowerCase()));
}

/** The fields of a view whose result columns are `columns`; throws ViewQueryError when they cannot be fields. */
export function deriveViewFields(columns: readonly ViewColumn[], parsed: ParsedViewQuery, find: FindByName): Field[] {
  const items = matchColumns(columns, parsed);
  const seen = new Set<string>();
  const fields = columns.map((column, i) => {
    const name = column.name;
    if (!NAME.test(name)) throw new ViewQueryError(`every column needs a name made of letters, digits and _ (add an alias with AS): ${name.slice(0, 60)}`);
    if (seen.has(name.toLowerCase())) throw new ViewQueryError(`duplicated column name ${name}`);
    seen.add(name.toLowerCase());
    if (reservedFieldNameError(name, false)) throw new ViewQueryError(`the column name ${name} is reserved`);
    if (name === 'id') return idField();
    const item = items[i];
    return (item && fromExpression(name, item.expression))
      ?? (item?.ref ? fromSource(name, item.ref, parsed, find) : null)
      ?? fromColumnType(name, column);
  });
  if (!fields.some((f) => f.name === 'id')) throw new ViewQueryError(MISSING_ID);
  return fields;
}
