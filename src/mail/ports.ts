// The Mailer port: what the rest of Mainspring knows of sending mail. Adapters: the dev catcher
// (kept in the data folder) now; SMTP through the durable outbox comes with the jobs module.
import type { ListResult } from '../query/index.js';

export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  /** Plain-text alternative; derived from the HTML when absent. */
  readonly text?: string;
}

export interface Mailer {
  /** Sends (or, for the dev catcher, keeps) one message; resolves with its Message-ID. */
  send(mail: OutgoingMail): Promise<{ readonly messageId: string }>;
}

/** A caught message as `GET /api/mails` shows it (CONTRACT.md). */
export interface CaughtMail {
  readonly id: string;
  readonly created: string;
  readonly messageId: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The dev catcher's read side. */
export interface MailCatcher {
  list(page: number, perPage: number): Promise<ListResult<CaughtMail>>;
  get(id: string): Promise<CaughtMail | null>;
}
