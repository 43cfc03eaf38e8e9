// Runs wrk (Debian's /usr/bin/wrk) against one URL and parses its report.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const WRK = process.env.WRK_BIN || 'wrk';

function toMs(value, unit) {
  const n = Number(value);
  switch (unit) {
    case 'us': return n / 1000;
    case 'ms': return n;
    case 's': return n * 1000;
    case 'm': return n * 60_000;
    default: return Number.NaN;
  }
}

export function parseWrk(out) {
  const num = (re) => { const m = re.exec(out); return m ? Number(m[1]) : null; };
  const pct = (p) => { const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out); return m ? toMs(m[1], m[2]) : null; };
  const requests = num(/(\d+) requests in/);
  const m = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    reqPerSec: num(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: pct(50),
    p99Ms: pct(99),
    requests,
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/) ?? 0,
    socketErrors: m ? m.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

/**
 * A wrk Lua script: `method`, `headers`, a fixed `body`, and optionally a list of `paths` picked at
 * random per request (so GET-by-id does not hit one row only).
 */
export function writeScript(dir, name, { method = 'GET', headers = {}, body, paths }) {
  const lua = [];
  lua.push(`wrk.method = ${JSON.stringify(method)}`);
  for (const [k, v] of Object.entries(headers)) lua.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  if (body !== undefined) lua.push(`wrk.body = ${luaString(body)}`);
  if (paths?.length) {
    lua.push('local paths = {');
    for (const p of paths) lua.push(`  ${luaString(p)},`);
    lua.push('}');
    lua.push('local n = #paths');
    lua.push('math.randomseed(42)');
    lua.push('request = function() return wrk.format(nil, paths[math.random(n)]) end');
  }
  const file = join(dir, `${name}.lua`);
  writeFileSync(file, lua.join('\n') + '\n');
  return file;
}

// Long bracket strings need no escaping as long as the text has no "]==]".
function luaString(s) {
  if (s.includes(']==]')) throw new Error('unsupported Lua string');
  return `[==[${s}]==]`;
}

export function runWrk({ url, seconds, connections, threads = 1, script }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, '--latency', '--timeout', '10s'];
  if (script) args.push('-s', script);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile(WRK, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}\n${stderr}`));
      const parsed = parseWrk(stdout);
      if (parsed.reqPerSec === null) return reject(new Error(`cannot parse wrk output:\n${stdout}`));
      resolve(parsed);
    });
  });
}
