// `req.log`, made on first use. Fastify gives every request a pino child carrying its id; making one
// serializes and redacts the bindings up front, which measured ~2% of a GET by id, and most
// requests never log (nothing below `warn` by default in production, no errors on the hot path).
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import type { Logger } from '../core/logger.js';

type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

class LazyRequestLogger implements FastifyBaseLogger {
  #real: Logger | undefined;

  constructor(private readonly parent: Logger, private readonly bindings: Bindings) {}

  #logger(): Logger {
    return (this.#real ??= this.parent.child(this.bindings));
  }

  #log(level: LevelName, args: unknown[]): void {
    // Until the child exists, it would have the parent's level.
    if (!(this.#real ?? this.parent).isLevelEnabled(level)) return;
    (this.#logger()[level] as (...a: unknown[]) => void)(...args);
  }

  get level(): string {
    return this.#real?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  // Methods on the prototype, not per-instance arrows: a request must allocate no more than the object.
  fatal(...args: unknown[]): void { this.#log('fatal', args); }
  error(...args: unknown[]): void { this.#log('error', args); }
  warn(...args: unknown[]): void { this.#log('warn', args); }
  info(...args: unknown[]): void { this.#log('info', args); }
  debug(...args: unknown[]): void { this.#log('debug', args); }
  trace(...args: unknown[]): void { this.#log('trace', args); }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options) as FastifyBaseLogger;
  }
}

/** Fastify's `childLoggerFactory`: a lazy child unless the route asks for its own options (a level). */
export function requestLoggerFactory(parent: Logger) {
  return (_logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger =>
    Object.keys(options).length === 0 ? new LazyRequestLogger(parent, bindings) : (parent.child(bindings, options) as FastifyBaseLogger);
}
