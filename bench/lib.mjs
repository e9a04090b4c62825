// Shared helpers for the benchmarks in bench/: child processes, ports, temp dirs, cleanup,
// statistics and the fixed RESULT line. Plain Node (no build step), so a benchmark runs on a
// fresh clone right after `npm install`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(benchDir, '..');
export const serverDir = join(repoRoot, 'server');
export const parleyBin = join(serverDir, 'bin', 'parley.js');

/** Every variable Parley's config reads: a benchmark sets its own and inherits none of these. */
const parleyEnvNames = [
  'PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'PUBLIC_URL', 'PARLEY_SECRET',
  'LOG_LEVEL', 'REDIS_URL', 'MEDIA_MAX_BYTES', 'IMPORT_MAX_BYTES', 'TRUST_PROXY',
  // Email: a transport configured in the shell must not make a benchmark send real mail.
  'SMTP_URL', 'MAIL_FROM', 'SMTP_POOL_SIZE', 'EMAIL_RATE_PER_SECOND', 'SENDGRID_WEBHOOK_PUBLIC_KEY',
  'MAILGUN_WEBHOOK_SIGNING_KEY', 'POSTMARK_WEBHOOK_USERNAME', 'POSTMARK_WEBHOOK_PASSWORD', 'SES_SNS_TOPIC_ARNS',
];

/**
 * The caller's environment without Parley's settings, plus `extra`: a DATABASE_URL or REDIS_URL
 * left in the shell must not silently move a SQLite benchmark onto another store.
 */
export function parleyEnv(extra) {
  const env = { ...process.env };
  for (const name of parleyEnvNames) delete env[name];
  return { ...env, ...extra };
}

/** A whole number from the environment, or the default; anything else stops the run. */
export function envInt(name, fallback, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

/**
 * Imports a package installed for the workspace: from the root node_modules when hoisted,
 * otherwise from the server workspace's own node_modules.
 */
export async function importDependency(name) {
  for (const base of [join(benchDir, 'noop.js'), join(serverDir, 'package.json')]) {
    let resolved;
    try {
      resolved = createRequire(base).resolve(name);
    } catch {
      continue;
    }
    const mod = await import(pathToFileURL(resolved).href);
    return mod.default ?? mod;
  }
  throw new Error(`Cannot find the package "${name}": run \`npm install\` in the repository first.`);
}

/** Stops early, with a clear message, when the server has not been compiled. */
export function assertServerBuilt() {
  if (!existsSync(join(serverDir, 'dist', 'main.js'))) {
    throw new Error('Parley is not built: run `npm install` (or `npm run build`) in the repository first.');
  }
}

/** A TCP port that was free a moment ago on `host`. */
export async function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Cleanup tasks that run once, last added first, on success, on error and on Ctrl-C / SIGTERM.
 * `run()` never throws: a failed task is reported and the others still run.
 */
export function createCleanup() {
  const tasks = [];
  let done;
  const run = () => {
    done ??= (async () => {
      while (tasks.length > 0) {
        const task = tasks.pop();
        try {
          await task();
        } catch (error) {
          console.error(`cleanup: ${error?.message ?? error}`);
        }
      }
    })();
    return done;
  };
  const onSignal = (signal) => {
    console.error(`\n${signal}: stopping and cleaning up…`);
    void run().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    add(task) {
      tasks.push(task);
    },
    run,
  };
}

/** A fresh directory under the OS temp dir, removed by `cleanup`. */
export async function tempDir(prefix, cleanup) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Keeps the last `maxBytes` of a stream's text, for showing a child's output on failure. */
function tail(maxBytes = 64 * 1024) {
  let text = '';
  return {
    push(chunk) {
      text += chunk.toString();
      if (text.length > maxBytes) text = text.slice(-maxBytes);
    },
    get text() {
      return text;
    },
  };
}

/**
 * Starts a Node child process (never through a shell). Its stdout and stderr are kept, not
 * shown; `stop()` sends SIGTERM, then SIGKILL after `graceMs`. Registered with `cleanup`.
 */
export function startNode(name, args, { env, cwd = repoRoot, cleanup, graceMs = 5000 }) {
  const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tail();
  child.stdout.on('data', (c) => output.push(c));
  child.stderr.on('data', (c) => output.push(c));
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // A failure to spawn is reported through `exited`, like any early exit.
  child.once('error', (error) => output.push(`spawn error: ${error.message}\n`));
  let exitInfo;
  void exited.then((info) => (exitInfo = info));

  const proc = {
    name,
    child,
    exited,
    get output() {
      return output.text;
    },
    get exitInfo() {
      return exitInfo;
    },
    async stop() {
      if (exitInfo || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  cleanup?.add(() => proc.stop());
  return proc;
}

/** Runs a Node script to the end; resolves with its stdout, rejects with its output if it fails. */
export function runNode(args, { env, cwd = repoRoot, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`node ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr || stdout}`));
    });
  });
}

/** Polls `url` until it answers 200; fails early if `proc` exits, or after `timeoutMs`. */
export async function waitForOk(url, proc, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (proc.exitInfo) {
      throw new Error(`${proc.name} exited (${proc.exitInfo.signal ?? `code ${proc.exitInfo.code}`}) before ${url} answered:\n${proc.output}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = error?.cause?.code ?? error?.message ?? String(error);
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last}); ${proc.name} output:\n${proc.output}`);
}

/** JSON over HTTP; a status other than `expect` is an error carrying the body. */
export async function requestJson(method, url, { headers = {}, body, expect = 200 } = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== expect) throw new Error(`${method} ${url}: expected ${expect}, got ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** CPU jiffies: all CPUs busy (steal included) and total, and those of `pids` (Linux /proc). */
function cpuJiffies(pids) {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  let ours = 0;
  for (const pid of pids) {
    // utime and stime are fields 14 and 15; the command name (field 2) may contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ours += Number(rest[11]) + Number(rest[12]);
  }
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait, ours };
}

/**
 * Measures how many CPU cores were busy with something other than `pids` (other programs, the
 * hypervisor's steal) between start() and the returned stop(). Undefined where /proc is missing.
 * A round with other load is not comparable with a quiet one.
 */
export function otherCpuMeter(pids, cores) {
  let before;
  try {
    before = cpuJiffies(pids);
  } catch {
    return () => undefined;
  }
  return () => {
    try {
      const after = cpuJiffies(pids);
      const elapsedPerCore = (after.total - before.total) / cores;
      if (elapsedPerCore <= 0) return undefined;
      return Math.max(0, (after.busy - before.busy - (after.ours - before.ours)) / elapsedPerCore);
    } catch {
      return undefined;
    }
  };
}

/** Runs autocannon once (in this process) and resolves with its result. */
export function runAutocannon(autocannon, opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** 2xx responses per second of one autocannon result: errors and rejections do not count. */
export function okPerSecond(result) {
  return result.duration > 0 ? result['2xx'] / result.duration : 0;
}

export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The `p`th percentile (0-100) by nearest rank: a value that was measured, never interpolated. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Aligned plain-text table; the first row is the header, the first column is left-aligned. */
export function formatTable(rows) {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** The last line of every benchmark, in the one shape tools read (see DESIGN.md, Benchmarks). */
export function resultLine(name, { value, unit, baseline, ratio = value / baseline }) {
  return `RESULT ${name} value=${value} unit=${unit} baseline=${baseline} ratio=${ratio.toFixed(3)}`;
}

/** Wall-clock milliseconds since the epoch with sub-millisecond precision, comparable across processes. */
export function epochMs() {
  return performance.timeOrigin + performance.now();
}

/**
 * Memory of a live process from /proc/<pid>/status (Linux): `peakBytes` (VmHWM, the most resident
 * memory it ever had) and `rssBytes` (VmRSS, now). Undefined where /proc is missing or it exited.
 */
export function processMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { peakBytes: kb('VmHWM'), rssBytes: kb('VmRSS') };
  } catch {
    return undefined;
  }
}

/** USER_HZ, the unit of the CPU times in /proc/<pid>/stat: 100 on every Linux platform Node supports. */
const clockTicksPerSecond = 100;

/** CPU seconds (user + system) a live process has used so far (Linux /proc); undefined if unknown. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / clockTicksPerSecond;
  } catch {
    return undefined;
  }
}

/**
 * One HTTP/1.1 request through `agent` (node:http) to `origin` ({ hostname, port }), timed with
 * performance.now() from the moment it is started until the last byte of the answer has arrived.
 * `body` (a string or Buffer) is sent whole, with its Content-Length. Reading and checking the
 * answer is left to the caller, after the clock has stopped. Resolves with the status, the
 * response headers, the body text, the milliseconds and whether a kept-alive socket was reused;
 * rejects on a connection error or when no answer came within `timeoutMs`.
 */
export function timedHttpRequest(agent, origin, path, { method = 'GET', headers = {}, body, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    const start = performance.now();
    const req = http.request({
      hostname: origin.hostname,
      port: origin.port,
      path,
      method,
      agent,
      headers: payload ? { ...headers, 'content-length': String(payload.length) } : headers,
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const ms = performance.now() - start;
        resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms, reusedSocket: req.reusedSocket });
      });
    });
    req.end(payload);
  });
}

/**
 * A closed-loop load: `workers` async loops, each calling `step(worker)` again as soon as its
 * previous call has finished, until `durationMs` have passed since the start (a call in flight
 * then still completes; the next one is not made) or `step` resolves to `false` (that worker
 * stops). Resolves with the milliseconds from the start until the last worker stopped. `step`
 * should count its own failures; one that throws stops its worker, the others go on, and the
 * first such error is thrown once all have stopped.
 */
export async function closedLoop(workers, durationMs, step) {
  const start = performance.now();
  const deadline = start + durationMs;
  let failure;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      try {
        while (performance.now() < deadline) {
          if ((await step(worker)) === false) return;
        }
      } catch (error) {
        failure ??= error;
      }
    }),
  );
  if (failure) throw failure;
  return performance.now() - start;
}

/**
 * Runs a benchmark's `main(cleanup)` (which resolves to an exit code), always cleans up (child
 * servers, temporary directories), reports a failure with how long the run had lasted, and never
 * lets an open socket keep the process alive after the figures.
 */
export async function runBenchmark(name, main, { describeError = (error) => error?.stack ?? error } = {}) {
  const cleanup = createCleanup();
  let exitCode = 1;
  try {
    exitCode = await main(cleanup);
  } catch (error) {
    console.error(`bench:${name} failed: ${describeError(error)}`);
  } finally {
    await cleanup.run();
  }
  if (exitCode !== 0) console.error(`(after ${(performance.now() / 1000).toFixed(0)} s)`);
  process.exitCode = exitCode;
  setTimeout(() => process.exit(exitCode), 5000).unref();
}
