// The filter language's engine-specific SQL (API.md §5): JSON array elements and lengths, JSON
// paths typed as SQLite types them, geoDistance, and strftime emulated where SQLite's is missing.
import { sql, type RawBuilder } from 'kysely';
import type { DialectAdapter, StrftimeSpec, StrftimeToken, TimeModifier } from '../ports.js';

type Sql = RawBuilder<unknown>;
type FilterFunctions = Pick<DialectAdapter, 'jsonEach' | 'jsonArrayLength' | 'jsonPath' | 'geoDistance' | 'strftime' | 'random'>;

/** `$.a.b[0]`: keys are `\w+` (the path grammar), digits index arrays (as PocketBase reads them). */
function sqlitePath(path: readonly (string | number)[]): string {
  return '$' + path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
}

// NOTE: PocketBase's haversine; the cosine is clamped to [-1, 1] so that a rounding error past 1
// (two equal points) gives 0 everywhere, not NULL on SQLite and an error on PostgreSQL.
function haversine(lonA: Sql, latA: Sql, lonB: Sql, latB: Sql, clamp: (x: Sql) => Sql): Sql {
  const cosine = sql`cos(radians(${latA})) * cos(radians(${latB})) * cos(radians(${lonB}) - radians(${lonA})) + sin(radians(${latA})) * sin(radians(${latB}))`;
  return sql`(6371 * acos(${clamp(cosine)}))`;
}

// A PocketBase/SQLite date text: date, then optionally a time with optional seconds, fraction and Z.
const DATE_TEXT = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]+)?)?Z?)?$';

function sqliteFormat(tokens: readonly StrftimeToken[]): string {
  return tokens.map((t) => ('literal' in t ? t.literal.replaceAll('%', '%%') : `%${t.spec}`)).join('');
}

function sqliteModifier(m: TimeModifier): string {
  return m.kind === 'startOf' ? `start of ${m.unit}` : `${m.amount >= 0 ? '+' : ''}${m.amount} ${m.unit}s`;
}

export const sqliteFilterFunctions: FilterFunctions = {
  jsonEach: (array, alias) => ({ from: sql`json_each(${array}) AS ${sql.id(alias)}`, value: sql.ref(`${alias}.value`) }),
  jsonArrayLength: (array) => sql`json_array_length(${array})`,
  jsonPath: (doc, path) => {
    const d = sql`(CASE WHEN json_valid(${doc}) THEN ${doc} END)`;
    const p = sqlitePath(path);
    const type = sql`json_type(${d}, ${p})`;
    return {
      number: sql`(CASE ${type} WHEN 'integer' THEN json_extract(${d}, ${p}) WHEN 'real' THEN json_extract(${d}, ${p}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)`,
      text: sql`(CASE WHEN ${type} IN ('text', 'object', 'array') THEN json_extract(${d}, ${p}) END)`,
    };
  },
  geoDistance: (a, b, c, e) => haversine(a, b, c, e, (x) => sql`min(1, max(-1, ${x}))`),
  strftime: (format, time, modifiers) =>
    sql`strftime(${sql.join([sql`${sqliteFormat(format)}`, time, ...modifiers.map((m) => sql`${sqliteModifier(m)}`)])})`,
  random: () => sql`RANDOM()`,
};

const PG_FORMATS: Readonly<Record<StrftimeSpec, (ts: Sql) => Sql>> = {
  d: (ts) => sql`to_char(${ts}, 'DD')`,
  f: (ts) => sql`to_char(${ts}, 'SS.MS')`,
  H: (ts) => sql`to_char(${ts}, 'HH24')`,
  j: (ts) => sql`to_char(${ts}, 'DDD')`,
  m: (ts) => sql`to_char(${ts}, 'MM')`,
  M: (ts) => sql`to_char(${ts}, 'MI')`,
  s: (ts) => sql`CAST(CAST(FLOOR(EXTRACT(EPOCH FROM ${ts})) AS BIGINT) AS TEXT)`,
  S: (ts) => sql`to_char(${ts}, 'SS')`,
  w: (ts) => sql`CAST(CAST(EXTRACT(DOW FROM ${ts}) AS INTEGER) AS TEXT)`,
  Y: (ts) => sql`to_char(${ts}, 'YYYY')`,
};

// NOTE: the day is added to the first of the month, so 2024-02-30 is 2024-03-01 as in SQLite
// (a plain cast would raise an error instead).
function pgTimestamp(t: Sql): Sql {
  return sql`(CASE WHEN (CAST(${t} AS TEXT) COLLATE "C") ~ ${DATE_TEXT} THEN
    CAST(CAST(substr(${t}, 1, 7) || '-01' AS DATE) AS TIMESTAMP)
    + (CAST(substr(${t}, 9, 2) AS INTEGER) - 1) * INTERVAL '1 day'
    + COALESCE(CAST(NULLIF(substr(${t}, 12, 2), '') AS INTEGER), 0) * INTERVAL '1 hour'
    + COALESCE(CAST(NULLIF(substr(${t}, 15, 2), '') AS INTEGER), 0) * INTERVAL '1 minute'
    + COALESCE(CAST(NULLIF(rtrim(substr(${t}, 18), 'Z'), '') AS NUMERIC), 0) * INTERVAL '1 second' END)`;
}

function pgModify(ts: Sql, m: TimeModifier): Sql {
  if (m.kind === 'startOf') return sql`date_trunc(${sql.lit(m.unit)}, ${ts})`;
  return sql`(${ts} + ${sql.lit(m.amount)} * ${sql.raw(`INTERVAL '1 ${m.unit}'`)})`;
}

export const postgresFilterFunctions: FilterFunctions = {
  jsonEach: (array, alias) => ({
    from: sql`json_array_elements_text(CAST(${array} AS json)) AS ${sql.id(alias)}(value)`,
    value: sql`(${sql.ref(`${alias}.value`)} COLLATE "C")`,
  }),
  jsonArrayLength: (array) => sql`json_array_length(CAST(${array} AS json))`,
  jsonPath: (doc, path) => {
    const v = sql`(CAST(${doc} AS jsonb) #> CAST(${`{${path.join(',')}}`} AS TEXT[]))`;
    return {
      number: sql`(CASE jsonb_typeof(${v}) WHEN 'number' THEN CAST(${v} #>> '{}' AS DOUBLE PRECISION) WHEN 'boolean' THEN (CASE WHEN ${v} = 'true'::jsonb THEN 1 ELSE 0 END) END)`,
      text: sql`(CASE jsonb_typeof(${v}) WHEN 'string' THEN (${v} #>> '{}') WHEN 'object' THEN CAST(${v} AS TEXT) WHEN 'array' THEN CAST(${v} AS TEXT) END COLLATE "C")`,
    };
  },
  geoDistance: (a, b, c, e) => haversine(a, b, c, e, (x) => sql`LEAST(1, GREATEST(-1, ${x}))`),
  strftime: (format, time, modifiers) => {
    const ts = modifiers.reduce(pgModify, pgTimestamp(time));
    const parts = format.map((t) => ('literal' in t ? sql`CAST(${t.literal} AS TEXT)` : PG_FORMATS[t.spec](ts)));
    const text = parts.length === 0 ? sql`''` : sql.join(parts, sql` || `);
    return sql`(CASE WHEN ${ts} IS NULL THEN NULL ELSE (${text}) END COLLATE "C")`;
  },
  random: () => sql`RANDOM()`,
};

const MYSQL_FORMATS: Readonly<Record<StrftimeSpec, (ts: Sql) => Sql>> = {
  d: (ts) => sql`DATE_FORMAT(${ts}, '%d')`,
  f: (ts) => sql`CONCAT(DATE_FORMAT(${ts}, '%S'), '.', LPAD(FLOOR(MICROSECOND(${ts}) / 1000), 3, '0'))`,
  H: (ts) => sql`DATE_FORMAT(${ts}, '%H')`,
  j: (ts) => sql`DATE_FORMAT(${ts}, '%j')`,
  m: (ts) => sql`DATE_FORMAT(${ts}, '%m')`,
  M: (ts) => sql`DATE_FORMAT(${ts}, '%i')`,
  s: (ts) => sql`CAST(TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', ${ts}) AS CHAR)`,
  S: (ts) => sql`DATE_FORMAT(${ts}, '%S')`,
  w: (ts) => sql`DATE_FORMAT(${ts}, '%w')`,
  Y: (ts) => sql`DATE_FORMAT(${ts}, '%Y')`,
};

function mysqlTimestamp(t: Sql): Sql {
  return sql`(CASE WHEN ${t} REGEXP ${DATE_TEXT} THEN
    CAST(STR_TO_DATE(CONCAT(SUBSTR(${t}, 1, 7), '-01'), '%Y-%m-%d') AS DATETIME(6))
    + INTERVAL (CAST(SUBSTR(${t}, 9, 2) AS SIGNED) - 1) DAY
    + INTERVAL COALESCE(CAST(NULLIF(SUBSTR(${t}, 12, 2), '') AS SIGNED), 0) HOUR
    + INTERVAL COALESCE(CAST(NULLIF(SUBSTR(${t}, 15, 2), '') AS SIGNED), 0) MINUTE
    + INTERVAL ROUND(COALESCE(CAST(NULLIF(TRIM(TRAILING 'Z' FROM SUBSTR(${t}, 18)), '') AS DECIMAL(12, 6)), 0) * 1000000) MICROSECOND END)`;
}

function mysqlModify(ts: Sql, m: TimeModifier): Sql {
  if (m.kind === 'add') return sql`(${ts} + INTERVAL ${sql.lit(m.amount)} ${sql.raw(m.unit.toUpperCase())})`;
  if (m.unit === 'day') return sql`CAST(DATE(${ts}) AS DATETIME(6))`;
  return sql`CAST(DATE_FORMAT(${ts}, ${m.unit === 'month' ? '%Y-%m-01' : '%Y-01-01'}) AS DATETIME(6))`;
}

export const mysqlFilterFunctions: FilterFunctions = {
  jsonEach: (array, alias) => ({
    from: sql`JSON_TABLE(${array}, '$[*]' COLUMNS (value LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PATH '$')) AS ${sql.id(alias)}`,
    value: sql.ref(`${alias}.value`),
  }),
  jsonArrayLength: (array) => sql`JSON_LENGTH(${array})`,
  jsonPath: (doc, path) => {
    const p = sqlitePath(path);
    const type = sql`JSON_TYPE(JSON_EXTRACT(${doc}, ${p}))`;
    return {
      number: sql`(CASE WHEN ${type} IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL') THEN CAST(JSON_VALUE(${doc}, ${p}) AS DOUBLE) WHEN ${type} = 'BOOLEAN' THEN (CASE WHEN JSON_EXTRACT(${doc}, ${p}) = 'true' THEN 1 ELSE 0 END) END)`,
      text: sql`(CASE WHEN ${type} = 'STRING' THEN JSON_VALUE(${doc}, ${p}) WHEN ${type} IN ('OBJECT', 'ARRAY') THEN JSON_EXTRACT(${doc}, ${p}) END COLLATE utf8mb4_nopad_bin)`,
    };
  },
  geoDistance: (a, b, c, e) => haversine(a, b, c, e, (x) => sql`LEAST(1, GREATEST(-1, ${x}))`),
  strftime: (format, time, modifiers) => {
    const ts = modifiers.reduce(mysqlModify, mysqlTimestamp(time));
    const parts = format.map((t) => ('literal' in t ? sql`${t.literal}` : MYSQL_FORMATS[t.spec](ts)));
    const text = parts.length === 0 ? sql`''` : sql`CONCAT(${sql.join(parts)})`;
    return sql`(CASE WHEN ${ts} IS NULL THEN NULL ELSE (CAST(${text} AS CHAR CHARACTER SET utf8mb4) COLLATE utf8mb4_nopad_bin) END)`;
  },
  random: () => sql`RAND()`,
};
