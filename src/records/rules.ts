// Applies a collection's API rules to a caller: superusers skip them, `null` is superusers only,
// `""` is everyone, and a filter becomes one more SQL condition on the row.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { AppError } from '../core/errors.js';
import type { DialectAdapter } from '../db/index.js';
import { compileExpr, type RequestInfo, type SchemaResolver } from '../query/index.js';
import type { CollectionPlan, CompiledRule } from './plan.js';

export const ONLY_SUPERUSERS = 'Only superusers can perform this action.';

/**
 * The SQL condition a rule adds for this caller: null when nothing needs checking.
 * Throws 403 for a superusers-only rule and a non-superuser caller. Without `schemas`, a rule
 * naming another collection (relations, back-relations, `@collection`) is a 400.
 */
export function ruleCondition(plan: CollectionPlan, rule: CompiledRule, request: RequestInfo, isSuperuser: boolean, dialect: DialectAdapter, schemas?: SchemaResolver, onVolatile?: () => void): RawBuilder<SqlBool> | null {
  if (isSuperuser) return null;
  switch (rule.kind) {
    case 'superusers':
      throw new AppError('forbidden', ONLY_SUPERUSERS);
    case 'public':
      return null;
    case 'filter':
      // Rules are trusted: they may read hidden fields, @request.* and any collection.
      return compileExpr(rule.expr, { schema: plan.schema, dialect, request, isTrusted: true, schemas, onVolatile });
  }
}

/** `a AND b` over the conditions that are present. */
export function allOf(conditions: readonly (RawBuilder<SqlBool> | null)[]): RawBuilder<SqlBool> | null {
  const present = conditions.filter((c): c is RawBuilder<SqlBool> => c !== null);
  if (present.length === 0) return null;
  return present.reduce((acc, c) => sql<SqlBool>`(${acc} AND ${c})`);
}
