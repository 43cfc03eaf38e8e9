// The filter language's syntax tree: what parseFilter returns and the SQL compiler consumes.
// Pure data, no behaviour; every node is readonly so a parsed filter can be cached and shared.

/** A boolean combination of two expressions; `&&` is `and`, `||` is `or`. */
export type LogicalExpr = { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr };

/** One `operand op operand` comparison; `anyOf` is the `?`-prefixed form (`?=`, `?~`, ...). */
export type CompareExpr = {
  readonly kind: 'compare';
  readonly op: CompareOp;
  readonly anyOf: boolean;
  readonly left: Operand;
  readonly right: Operand;
};

export type Expr = LogicalExpr | CompareExpr;

export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~' | '!~';

/** A field path split on `.`; a trailing `:modifier` on the last segment is lifted into `modifier`. */
export type PathOperand = {
  readonly kind: 'path';
  readonly segments: readonly string[];
  readonly modifier: PathModifier | null;
};

export type Operand =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number; readonly raw: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'macro'; readonly name: MacroName }
  | PathOperand
  | { readonly kind: 'call'; readonly name: FunctionName; readonly args: readonly Operand[] };

export type PathModifier = 'isset' | 'changed' | 'length' | 'each' | 'lower';

export type FunctionName = 'geoDistance' | 'strftime';

/** PocketBase's identifier macros (tools/search/identifier_macros.go), all UTC. */
export const MACRO_NAMES = [
  '@now',
  '@yesterday',
  '@tomorrow',
  '@todayStart',
  '@todayEnd',
  '@monthStart',
  '@monthEnd',
  '@yearStart',
  '@yearEnd',
  '@second',
  '@minute',
  '@hour',
  '@day',
  '@month',
  '@weekday',
  '@year',
] as const;

export type MacroName = (typeof MACRO_NAMES)[number];

export const PATH_MODIFIERS = ['isset', 'changed', 'length', 'each', 'lower'] as const satisfies readonly PathModifier[];
