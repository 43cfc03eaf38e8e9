// Test-file helper: a raw server-sent events reader over fetch, to check the wire format itself
// (frames, ids, comments) rather than what an EventSource makes of it.

export interface SseFrame {
  /** `comment` for `: …` lines, otherwise the event name (`message` when absent). */
  readonly kind: 'event' | 'comment';
  readonly id?: string;
  readonly event: string;
  readonly data: string;
  /** The frame exactly as received, without its blank-line terminator. */
  readonly raw: string;
}

export interface SseStream {
  readonly response: Response;
  /** The next frame, comments included; null once the server has ended the stream. */
  nextFrame(): Promise<SseFrame | null>;
  /** The next event, skipping comments; null once the stream has ended. */
  nextEvent(): Promise<SseFrame | null>;
  close(): void;
}

function parseFrame(raw: string): SseFrame {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  let isComment = true;
  for (const line of raw.split('\n')) {
    if (line.startsWith(':')) continue;
    isComment = false;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return isComment ? { kind: 'comment', event: '', data: raw, raw } : { kind: 'event', id, event, data: data.join('\n'), raw };
}

export async function openStream(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let isDone = false;

  async function nextFrame(): Promise<SseFrame | null> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end !== -1) {
        const raw = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return parseFrame(raw);
      }
      if (isDone) return null;
      try {
        const { value, done } = await reader.read();
        if (done) isDone = true;
        else buffer += value;
      } catch {
        isDone = true;
      }
    }
  }

  return {
    response,
    nextFrame,
    async nextEvent() {
      for (;;) {
        const frame = await nextFrame();
        if (!frame || frame.kind === 'event') return frame;
      }
    },
    close: () => controller.abort(),
  };
}

/** Opens `/api/realtime` and reads its PB_CONNECT frame. */
export async function connect(baseUrl: string): Promise<{ stream: SseStream; clientId: string }> {
  const stream = await openStream(`${baseUrl}/api/realtime`);
  const first = await stream.nextEvent();
  if (first?.event !== 'PB_CONNECT') throw new Error(`expected PB_CONNECT, got ${first?.raw}`);
  return { stream, clientId: (JSON.parse(first.data) as { clientId: string }).clientId };
}
