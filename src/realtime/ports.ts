// The realtime ports: the bus that carries messages to every node's hub, and the stream a hub
// writes one client's frames to.

/**
 * A message for connected clients, wherever they are connected. `data` is JSON text, serialized
 * once by the sender so every node and every client gets the same bytes.
 */
export type RealtimeMessage =
  | { readonly kind: 'topic'; readonly topic: string; readonly data: string }
  | { readonly kind: 'client'; readonly clientId: string; readonly event: string; readonly data: string };

/** Carries messages to the hub of every node (this one included). */
export interface RealtimeBus {
  publish(message: RealtimeMessage): Promise<void>;
  /** Delivers every message published by any node to `deliver`; returns the unsubscribe function. */
  subscribe(deliver: (message: RealtimeMessage) => void): () => void;
}

/** One client's open event stream, as the hub sees it. */
export interface SseSink {
  write(chunk: string): void;
  /** Bytes written but not yet taken by the network: a client that stops reading shows here. */
  readonly pendingBytes: number;
  /** Ends the stream; the client (the SDK) reconnects and resubscribes. */
  end(): void;
}
