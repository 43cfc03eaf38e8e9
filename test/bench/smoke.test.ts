// The benchmark harness as CI runs it: `node bench/run.js --smoke` (scenario 1 only, about 5 s) must
// exit 0 and write a results file of the expected shape. No timing is asserted: numbers from a shared
// CI machine prove nothing, and benchmarks are never assertions inside `npm test` (issue 5).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const RUN = path.resolve('bench/run.js');
const WRK = process.env.WRK_BIN || 'wrk';
const hasWrk = spawnSync(WRK, ['--version']).error === undefined;
if (!hasWrk && process.env.MS_TEST_REQUIRE_SERVICES === '1') throw new Error(`${WRK} is required (Debian package wrk)`);
if (!hasWrk) console.warn(`bench smoke skipped: ${WRK} is not installed (Debian package wrk)`);

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, ...args], { env: { ...process.env, MS_LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!hasWrk)('bench smoke', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs scenario 1 against both subjects and writes the results file', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ms-bench-smoke-'));
    const out = path.join(dir, 'latest.json');
    const { code, stdout, stderr } = await run(['--smoke', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('GET by id');

    const results = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
    expect(results).toMatchObject({ mode: 'smoke', version: 2 });
    expect(Object.keys(results)).toEqual(expect.arrayContaining(['machine', 'config', 'reference', 'parity', 'scenarios', 'table', 'header']));
    expect(Object.keys(results.machine as object)).toEqual(expect.arrayContaining(['cores', 'cpuModel', 'node']));
    expect((results.reference as { pragmas: string[] }).pragmas).toContain('synchronous = FULL');
    const scenarios = results.scenarios as Array<{ id: number; ratio: unknown; subjects: Record<string, { reqPerSec: unknown; p50Ms: unknown; p99Ms: unknown; rssMb: unknown }> }>;
    expect(scenarios.map((s) => s.id)).toEqual([1]);
    expect(typeof scenarios[0]!.ratio).toBe('number');
    for (const name of ['mainspring', 'reference']) {
      const subject = scenarios[0]!.subjects[name]!;
      for (const key of ['reqPerSec', 'p50Ms', 'p99Ms', 'rssMb'] as const) expect(typeof subject[key], `${name}.${key}`).toBe('number');
    }
    expect((results.parity as Array<{ same: boolean }>).every((p) => p.same)).toBe(true);
  }, 120_000);
});
