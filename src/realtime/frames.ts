// Server-sent event frames as PocketBase writes them: the SDK reads its clientId from the `id` field.

/** A comment line: keeps proxies from timing the stream out; EventSource ignores it. */
export const PING_FRAME = ': ping\n\n';

const LINE_BREAK = /[\r\n]/;

/** True when `value` can travel in an SSE field (a line break would end the field early). */
export const isSingleLine = (value: string): boolean => !LINE_BREAK.test(value);

/** `id:<clientId>\nevent:<name>\ndata:<json>\n\n`; `json` is JSON text, which never holds a raw line break. */
export function eventFrame(clientId: string, event: string, json: string): string {
  if (!isSingleLine(event) || !isSingleLine(json)) throw new Error('an SSE field cannot hold a line break');
  return `id:${clientId}\nevent:${event}\ndata:${json}\n\n`;
}
