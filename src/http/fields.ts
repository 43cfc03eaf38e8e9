// PocketBase's `fields` query parameter: keeps only the named keys of any 2xx JSON reply
// (per item on lists), with `*` for every key at a level and `:excerpt(max, ellipsis)` on text.

interface FieldNode {
  /** Keep every key at this level. */
  readonly all: boolean;
  readonly children: Map<string, FieldNode>;
  excerpt: { max: number; ellipsis: boolean } | null;
}

const newNode = (all = false): FieldNode => ({ all, children: new Map(), excerpt: null });
const EXCERPT = /^(.*):excerpt\(\s*(\d+)\s*(?:,\s*(true|false|1|0|t|f)\s*)?\)$/i;
const MAX_FIELDS_LENGTH = 4000;

/** Splits on commas outside parentheses, so `body:excerpt(200,true)` stays one part. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Parses the parameter into a tree; null means "everything" (empty or unusable input). */
export function parseFields(text: string): FieldNode | null {
  if (text.trim() === '' || text.length > MAX_FIELDS_LENGTH) return null;
  const root = newNode();
  for (const rawPart of splitTopLevel(text)) {
    let part = rawPart.trim();
    if (part === '') continue;
    let excerpt: FieldNode['excerpt'] = null;
    const m = EXCERPT.exec(part);
    if (m) {
      part = m[1]!;
      excerpt = { max: Number(m[2]), ellipsis: /^(true|1|t)$/i.test(m[3] ?? '') };
    }
    let node = root;
    for (const key of part.split('.')) {
      if (key === '*') {
        (node as { all: boolean }).all = true;
        continue;
      }
      let child = node.children.get(key);
      if (!child) {
        child = newNode();
        node.children.set(key, child);
      }
      node = child;
    }
    if (excerpt) node.excerpt = excerpt;
    else if (node !== root && node.children.size === 0) (node as { all: boolean }).all = true;
  }
  return root;
}

/** Strips HTML and shortens text, as PocketBase's excerpt modifier. */
function excerptOf(value: string, max: number, ellipsis: boolean): string {
  const plain = value.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  const chars = [...plain];
  if (chars.length <= max) return plain;
  return chars.slice(0, max).join('').trimEnd() + (ellipsis ? '...' : '');
}

function pickValue(value: unknown, node: FieldNode): unknown {
  if (node.excerpt && typeof value === 'string') return excerptOf(value, node.excerpt.max, node.excerpt.ellipsis);
  if (Array.isArray(value)) return value.map((item) => pickValue(item, node));
  if (value === null || typeof value !== 'object') return value;
  if (node.all && node.children.size === 0) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (node.all) for (const key of Object.keys(source)) out[key] = source[key];
  for (const [key, child] of node.children) {
    if (Object.prototype.hasOwnProperty.call(source, key)) out[key] = pickValue(source[key], child);
  }
  return out;
}

const isListEnvelope = (payload: Record<string, unknown>): boolean =>
  Array.isArray(payload.items) && 'page' in payload && 'perPage' in payload && 'totalItems' in payload;

/** Applies the picker to a reply payload: to each item of a list envelope, else to the whole object. */
export function pickFields(payload: unknown, fields: FieldNode): unknown {
  if (payload === null || typeof payload !== 'object') return payload;
  const record = payload as Record<string, unknown>;
  if (isListEnvelope(record)) return { ...record, items: (record.items as unknown[]).map((item) => pickValue(item, fields)) };
  return pickValue(payload, fields);
}
