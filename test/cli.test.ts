// The `mainspring` executable as a user runs it: built output, real process, real signals.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/mainspring.js');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, MS_LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `serve` on a free port and resolves once it prints its ready line. */
function startServe(dir: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--http', '127.0.0.1:0', '--dir', dir], { env: { ...process.env, MS_LOG_LEVEL: 'warn' } });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no ready line; output: ${out}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /Server started at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => out });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.on('exit', (code) => reject(new Error(`exited early (${code}): ${out}`)));
  });
}

const exitOf = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => child.on('exit', (code) => resolve(code)));

describe('mainspring CLI', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-cli-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('prints its version and help', async () => {
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^mainspring \d+\.\d+\.\d+\n$/);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const word of ['serve', 'superuser upsert', 'migrate', '--http', '--dir']) expect(help.stdout).toContain(word);
  });

  it('rejects an unknown command and bad configuration with exit code 1', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(1);
    const bad = await runCli(['serve', '--http', 'nonsense', '--dir', await tempDir()]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--http must be HOST:PORT');
  });

  it('refuses to serve with an MS_SECRET other than the one the database was set up with, saying why', async () => {
    const dir = await tempDir();
    // Set up without MS_SECRET: SQLite generates <dir>/.secret and seals the stored secrets with it.
    expect((await runCli(['superuser', 'upsert', 'admin@example.com', 'first-password-1', '--dir', dir])).code).toBe(0);
    const other = await runCli(['serve', '--http', '127.0.0.1:0', '--dir', dir], { MS_SECRET: 'a-completely-different-secret-of-40-bytes!' });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('MS_SECRET is not the secret this database was set up with');
  });

  it('migrates, reports status and reverts', async () => {
    const dir = await tempDir();
    const before = await runCli(['migrate', 'status', '--dir', dir]);
    expect(before.stdout).toMatch(/pending\s+0000_system_tables/);
    const up = await runCli(['migrate', 'up', '--dir', dir]);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('0001_default_collections');
    const again = await runCli(['migrate', 'up', '--dir', dir]);
    expect(again.stdout).toContain('No new migrations');
    const status = await runCli(['migrate', 'status', '--dir', dir]);
    expect(status.stdout).toMatch(/applied\s+0000_system_tables/);
    expect(status.stdout).toMatch(/applied\s+0007_external_auths/);
    // One step back at a time, newest first; the tables come back with `up`.
    const reverted: string[] = [];
    for (let i = 0; i < 7; i++) reverted.push((await runCli(['migrate', 'down', '--dir', dir])).stdout.trim());
    expect(reverted).toEqual(['Reverted: 0007_external_auths', 'Reverted: 0006_totps', 'Reverted: 0005_auth_origins', 'Reverted: 0004_mfas', 'Reverted: 0003_otps', 'Reverted: 0002_auth_log', 'Reverted: 0001_default_collections']);
    const back = await runCli(['migrate', 'up', '--dir', dir]);
    expect(back.stdout).toContain('0007_external_auths');
  });

  it('serves, upserts a superuser who can sign in, and stops cleanly on SIGTERM and SIGINT', async () => {
    const dir = await tempDir();
    const created = await runCli(['superuser', 'upsert', 'admin@example.com', 'first-password-1', '--dir', dir]);
    expect(created.code).toBe(0);
    const changed = await runCli(['superuser', 'upsert', 'admin@example.com', 'second-password-2', '--dir', dir]);
    expect(changed.code).toBe(0);
    const tooShort = await runCli(['superuser', 'upsert', 'admin@example.com', 'short', '--dir', dir]);
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toContain('password');

    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const server = await startServe(dir);
      expect(server.output()).toContain(`Dashboard: ${server.url}/_/`);
      const health = await fetch(`${server.url}/api/health`);
      expect(await health.json()).toEqual({ code: 200, message: 'API is healthy.', data: {} });
      const signIn = await fetch(`${server.url}/api/collections/_superusers/auth-with-password`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ identity: 'admin@example.com', password: 'second-password-2' }),
      });
      expect(signIn.status).toBe(200);
      const exited = exitOf(server.child);
      server.child.kill(signal);
      expect(await exited).toBe(0);
    }
  });
});
