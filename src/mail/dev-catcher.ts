// The development mail catcher: every message is written as one JSON file in `<dir>/mails`, so a
// developer (or a test) reads the verification link instead of needing an SMTP server.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newRecordId } from '../core/ids.js';
import { formatDate } from '../core/time.js';
import type { CaughtMail, MailCatcher, Mailer, OutgoingMail } from './ports.js';
import { htmlToText } from './templates.js';

const ID = /^[a-z0-9]{15}$/;

export function createDevCatcher(dir: string, from: string): Mailer & MailCatcher {
  const folder = join(dir, 'mails');
  // File names sort by creation: a zero-padded time, then the id (ids alone are random).
  const fileOf = (created: number, id: string) => `${String(created).padStart(15, '0')}-${id}.json`;

  async function files(): Promise<string[]> {
    try {
      return (await readdir(folder)).filter((f) => f.endsWith('.json')).sort().reverse();
    } catch {
      return [];
    }
  }

  async function read(file: string): Promise<CaughtMail | null> {
    try {
      return JSON.parse(await readFile(join(folder, file), 'utf8')) as CaughtMail;
    } catch {
      return null;
    }
  }

  return {
    async send(mail: OutgoingMail) {
      const now = Date.now();
      const id = newRecordId();
      const messageId = `<${id}@mainspring.local>`;
      const caught: CaughtMail = {
        id, created: formatDate(new Date(now)), messageId, from, to: mail.to, subject: mail.subject,
        text: mail.text ?? htmlToText(mail.html), html: mail.html,
      };
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, fileOf(now, id)), JSON.stringify(caught));
      return { messageId };
    },
    async list(page, perPage) {
      const all = await files();
      const items: CaughtMail[] = [];
      for (const file of all.slice((page - 1) * perPage, page * perPage)) {
        const mail = await read(file);
        if (mail) items.push(mail);
      }
      return { page, perPage, totalItems: all.length, totalPages: Math.ceil(all.length / perPage), items };
    },
    async get(id) {
      if (!ID.test(id)) return null;
      const file = (await files()).find((f) => f.endsWith(`-${id}.json`));
      return file ? read(file) : null;
    },
  };
}
