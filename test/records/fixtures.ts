// Test helper (owned here): collections, users and database reads shared by the records API tests,
// so each test file states only its own cases.
import { expect } from 'vitest';
import type { TestApp, TestResponse } from '../helpers/app.js';

export const PB_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const RECORD_ID = /^[a-z0-9]{15}$/;
export const ONLY_SUPERUSERS = 'Only superusers can perform this action.';

export const AUTODATES = [
  { name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
  { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
] as const;

/** Creates a collection as a superuser; fails the test on anything but 200. */
export async function createCollection(t: TestApp, body: Record<string, unknown>): Promise<Record<string, any>> {
  const res = await t.post('/api/collections', body, { token: await t.superuserToken() });
  if (res.status !== 200) throw new Error(`collection ${String(body.name)}: ${res.status} ${res.text}`);
  return res.body;
}

/** Every row of a table, read straight from the database (not through the API). */
export async function rowsOf(t: TestApp, table: string): Promise<Record<string, unknown>[]> {
  return t.app.database.db.selectFrom(table).selectAll().execute();
}

export async function rowById(t: TestApp, table: string, id: string): Promise<Record<string, unknown> | undefined> {
  return t.app.database.db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countOf(t: TestApp, table: string): Promise<number> {
  return (await rowsOf(t, table)).length;
}

/** A PocketBase error reply: the status, the `{status, message, data}` shape and nothing else. */
export function expectError(res: TestResponse, status: number, options: { message?: string; data?: Record<string, unknown> } = {}): void {
  expect(res.status, res.text).toBe(status);
  expect(res.body).toEqual({ status, message: expect.any(String), data: expect.any(Object) });
  expect(Object.keys(res.body).sort()).toEqual(['data', 'message', 'status']);
  expect(res.body.message).not.toBe('');
  if (options.message !== undefined) expect(res.body.message).toBe(options.message);
  if (options.data !== undefined) expect(res.body.data).toEqual(options.data);
  // Never a stack trace or driver text.
  expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+|SQLITE_[A-Z]|\bER_[A-Z]|syntax error at|duplicate key|violates/);
}

/** The field codes of a 400 validation reply: `{field: code}`. */
export function codesOf(res: TestResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(res.body?.data ?? {})) out[key] = (value as { code: string }).code;
  return out;
}

export interface SignedInUser {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  readonly token: string;
}

/** Signs up a user through the public API, then signs in with password. */
export async function signUp(t: TestApp, email: string, password = 'secret-pass-123', extra: Record<string, unknown> = {}): Promise<SignedInUser> {
  const created = await t.post('/api/collections/users/records', { email, password, passwordConfirm: password, ...extra });
  if (created.status !== 200) throw new Error(`sign-up ${email}: ${created.status} ${created.text}`);
  const token = await signIn(t, email, password);
  return { id: created.body.id, email, password, token };
}

export async function signIn(t: TestApp, email: string, password: string): Promise<string> {
  const res = await t.post('/api/collections/users/auth-with-password', { identity: email, password });
  if (res.status !== 200) throw new Error(`sign-in ${email}: ${res.status} ${res.text}`);
  return res.body.token as string;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
