// Dates in PocketBase's wire and storage format: UTC `YYYY-MM-DD HH:MM:SS.sssZ`.

/** Formats a Date as PocketBase does (space instead of `T`). */
export function formatDate(date: Date): string {
  return date.toISOString().replace('T', ' ');
}

export const nowDate = (): string => formatDate(new Date());

/** Milliseconds since the epoch of a stored PB date (`YYYY-MM-DD HH:MM:SS.sssZ`); NaN for anything else. */
export const dateMs = (stored: string): number => Date.parse(stored.replace(' ', 'T'));

const PB_DATE = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]\d{2}:?\d{2})?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses PB dates and RFC 3339 input; returns the PB format or null when the text is not a date.
 * A zone-less value is read as UTC, as PocketBase does.
 */
export function parseDate(input: string): string | null {
  const text = input.trim();
  let iso: string;
  if (DATE_ONLY.test(text)) iso = `${text}T00:00:00Z`;
  else {
    const m = PB_DATE.exec(text);
    if (!m) return null;
    iso = `${m[1]}T${m[2]}${m[3] ?? 'Z'}`;
  }
  const time = Date.parse(iso);
  if (Number.isNaN(time) || !isRealCalendarDay(iso.slice(0, 10))) return null;
  return formatDate(new Date(time));
}

// Date.parse rolls 2024-02-30 over to March; PocketBase refuses a day the month does not have.
function isRealCalendarDay(day: string): boolean {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}
