// The filter functions PocketBase offers (tools/search/token_functions.go): geoDistance and strftime,
// strftime limited to the specifiers and modifiers every engine computes alike.
import { sql, type RawBuilder } from 'kysely';
import { formatDate } from '../core/time.js';
import type { StrftimeSpec, StrftimeToken, TimeModifier } from '../db/index.js';
import type { Operand } from './ast.js';
import { invalid, type CompileContext } from './joins.js';
import { macroValue } from './macros.js';
import type { Resolved } from './resolve.js';
import { textOf, type Scalar } from './values.js';

/** Resolves a path argument (a function's arguments are never functions: the parser refuses that). */
export type ArgResolver = (operand: Operand) => Resolved;

const SPECS: ReadonlySet<string> = new Set<StrftimeSpec>(['d', 'f', 'H', 'j', 'm', 'M', 's', 'S', 'w', 'Y']);
// Shorthands spelled out, so each engine only needs the base set.
const EXPANSIONS: Readonly<Record<string, string>> = { F: '%Y-%m-%d', T: '%H:%M:%S', R: '%H:%M' };

/** `%Y-%m` to tokens; an unknown `%x` is a 400 on every engine (SQLite would give NULL for some). */
export function parseStrftimeFormat(format: string): StrftimeToken[] {
  const tokens: StrftimeToken[] = [];
  let text = '';
  const expanded = format.replace(/%([FTR])/g, (_, c: string) => EXPANSIONS[c]!);
  for (let i = 0; i < expanded.length; i++) {
    const c = expanded[i]!;
    if (c !== '%') {
      text += c;
      continue;
    }
    const spec = expanded[++i];
    if (spec === '%') {
      text += '%';
      continue;
    }
    if (spec === undefined || !SPECS.has(spec)) throw invalid('unsupported strftime specifier');
    if (text !== '') tokens.push({ literal: text });
    text = '';
    tokens.push({ spec: spec as StrftimeSpec });
  }
  if (text !== '') tokens.push({ literal: text });
  return tokens;
}

const MODIFIER = /^\s*([+-]?\d{1,7})\s+(day|hour|minute|second)s?\s*$/i;
const START_OF = /^\s*start\s+of\s+(day|month|year)\s*$/i;

/** The modifiers every engine computes alike; months and years (which SQLite overflows its own way) are a 400. */
export function parseTimeModifier(text: string): TimeModifier {
  const start = START_OF.exec(text);
  if (start) return { kind: 'startOf', unit: start[1]!.toLowerCase() as 'day' | 'month' | 'year' };
  const add = MODIFIER.exec(text);
  if (add) return { kind: 'add', amount: Number(add[1]), unit: add[2]!.toLowerCase() as 'day' | 'hour' | 'minute' | 'second' };
  throw invalid('unsupported strftime modifier');
}

function single(r: Resolved): Scalar {
  if (r.kind !== 'one') throw invalid('a function argument must have one value');
  return r.value;
}

/** A number argument: a number, a number field or a JSON number (`location.lat`). */
function numberArg(operand: Operand, resolve: ArgResolver, ctx: CompileContext): RawBuilder<unknown> {
  const d = ctx.dialect;
  switch (operand.kind) {
    case 'number':
      return d.param(operand.value, 'number');
    case 'bool':
      return d.param(operand.value ? 1 : 0, 'number');
    case 'null':
      return sql`NULL`;
    case 'path': {
      const v = single(resolve(operand));
      if (v.type === 'jsonPath') return v.number;
      if (v.type === 'column' && v.kind === 'number') return v.sql;
      if (v.type === 'literal' && typeof v.value === 'number') return d.param(v.value, 'number');
      if (v.type === 'literal' && v.value === null) return sql`NULL`;
      throw invalid('geoDistance takes numbers');
    }
    default:
      throw invalid('geoDistance takes numbers');
  }
}

export function geoDistance(args: readonly Operand[], resolve: ArgResolver, ctx: CompileContext): Scalar {
  const [a, b, c, e] = args.map((arg) => numberArg(arg, resolve, ctx)) as [RawBuilder<unknown>, RawBuilder<unknown>, RawBuilder<unknown>, RawBuilder<unknown>];
  return { type: 'column', sql: ctx.dialect.geoDistance(a, b, c, e), kind: 'number', nullable: true };
}

/** strftime(format, [time, modifiers...]): '' where SQLite gives NULL (PocketBase's null fallback). */
export function strftime(args: readonly Operand[], resolve: ArgResolver, ctx: CompileContext): Scalar {
  const d = ctx.dialect;
  const [format, time, ...modifiers] = args;
  if (format?.kind !== 'string') throw invalid('strftime needs a format');
  const tokens = parseStrftimeFormat(format.value);
  let timeSql: RawBuilder<unknown>;
  if (time === undefined || (time.kind === 'string' && time.value.toLowerCase() === 'now')) {
    timeSql = d.param(formatDate(ctx.now), 'text');
  } else if (time.kind === 'string') {
    timeSql = d.param(time.value, 'text');
  } else if (time.kind === 'macro') {
    timeSql = d.param(String(macroValue(time.name, ctx.now)), 'text');
  } else if (time.kind === 'path') {
    timeSql = textOf(single(resolve(time)), d);
  } else {
    // NOTE: SQLite also reads numbers as Julian days; no other engine can, so they are refused.
    throw invalid('strftime takes a date text');
  }
  const parsed = modifiers.map((m) => {
    if (m.kind !== 'string') throw invalid('strftime modifiers are strings');
    return parseTimeModifier(m.value);
  });
  return { type: 'column', sql: sql`COALESCE(${d.strftime(tokens, timeSql, parsed)}, '')`, kind: 'text', nullable: false };
}
