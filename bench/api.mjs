// `npm run bench:api`: authenticated GET /v1/campaigns/{id} per second against the real Parley
// server on SQLite, beside a bare Fastify hello-world measured in the same run, alternating
// rounds, medians reported. The servers are child processes; autocannon runs in this process.
// See bench/README.md for the knobs and how to read the RESULT line.
import { randomBytes } from 'node:crypto';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import {
  assertServerBuilt, benchDir, runBenchmark, envInt, formatTable, freePort, importDependency,
  median, okPerSecond, otherCpuMeter, parleyBin, parleyEnv, requestJson, resultLine, runAutocannon,
  runNode, startNode, tempDir, waitForOk,
} from './lib.mjs';

/** Filled from the environment in main(), so a bad value is reported like any other failure. */
const settings = {};

/**
 * Rate limits are per key and per minute (10,000 at most), far below what one key would send
 * here. So connections lease blocks of requests from a pool of keys, and no key ever carries
 * more than `keyQuota` requests in its whole life: no window can see it exceed the limit.
 */
const rateLimitPerMinute = 10_000;
const keyQuota = 9_000;
const leaseSize = 200;
/** Cores busy with other programs during a round from which the run prints a warning. */
const otherLoadWarning = 0.25;
/** Assumed for sizing the pool before the first Parley run has been measured (keys are cheap). */
const firstGuessPerSecond = 50_000;

function createKeyPool(createKey) {
  const keys = [];
  let current = 0;
  let exhausted = false;
  const capacity = () => keys.slice(current).reduce((sum, k) => sum + (keyQuota - k.used), 0);
  return {
    /** Creates keys until `requests` more can be sent without any key passing its quota. */
    async reserve(requests) {
      while (capacity() < requests) keys.push({ key: await createKey(), used: 0 });
    },
    /** The key for the next `leaseSize` requests of one connection. */
    lease() {
      while (current < keys.length && keys[current].used + leaseSize > keyQuota) current++;
      // Out of keys: keep going on the last one; its 429s show up as non-2xx and fail the run.
      if (current >= keys.length) {
        exhausted = true;
        return keys[keys.length - 1].key;
      }
      keys[current].used += leaseSize;
      return keys[current].key;
    },
    get size() {
      return keys.length;
    },
    get exhausted() {
      return exhausted;
    },
  };
}

/**
 * autocannon's per-connection hook: an Authorization header from `nextKey`, renewed every
 * `leaseSize` requests. The baseline gets the same header (a dummy key) and the same renewals,
 * so the load generator does the same work for both targets.
 */
function authorizedClients(nextKey) {
  return (client) => {
    let left = 0;
    const renew = () => {
      client.setHeaders({ authorization: `Bearer ${nextKey()}` });
      left = leaseSize;
    };
    renew();
    client.on('request', () => {
      if (left === 0) renew();
      left--;
    });
  };
}

async function measure(autocannon, target, seconds, pids) {
  const otherCpu = otherCpuMeter(pids, cpus().length);
  const result = await runAutocannon(autocannon, {
    url: target.url,
    connections: settings.connections,
    pipelining: 1,
    duration: seconds,
    setupClient: authorizedClients(target.nextKey),
    // Checks every answer is the real one, not just a 200.
    expectBody: target.expectBody,
  });
  return {
    target: target.name,
    rps: okPerSecond(result),
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    statusCodes: result.statusCodeStats,
    duration: result.duration,
    otherCores: otherCpu(),
  };
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
const fmtMs = (n) => fmt(n, Number.isInteger(n) ? 0 : 2);

function roundRow(label, r) {
  return [
    label, r.target, fmt(r.rps), fmtMs(r.p50), fmtMs(r.p99), r.ok, r.non2xx, r.errors + r.timeouts, r.mismatches,
    r.otherCores === undefined ? '?' : fmt(r.otherCores, 2),
  ];
}

async function main(cleanup) {
  Object.assign(settings, {
    duration: envInt('BENCH_DURATION', 5, { min: 1, max: 600 }),
    rounds: envInt('BENCH_ROUNDS', 5, { min: 1, max: 100 }),
    connections: envInt('BENCH_CONNECTIONS', 50, { min: 1, max: 1000 }),
    warmup: envInt('BENCH_WARMUP', 3, { min: 0, max: 600 }),
  });
  assertServerBuilt();
  const autocannon = await importDependency('autocannon');

  const dataDir = await tempDir('parley-bench-api-', cleanup);
  const secret = randomBytes(32).toString('base64url');
  const baseEnv = { DATA_DIR: dataDir, PARLEY_SECRET: secret, LOG_LEVEL: 'warn' };

  // The first key comes from the CLI, as an operator would make it.
  const cliOut = await runNode(
    [parleyBin, 'api-keys', 'create', '--org', 'Bench', '--plan', 'enterprise', '--rate-limit', String(rateLimitPerMinute)],
    { env: parleyEnv(baseEnv) },
  );
  const adminKey = cliOut.trim().split('\n').at(-1).trim();
  if (!/^prl_\S+$/.test(adminKey)) throw new Error(`unexpected output from parley api-keys create:\n${cliOut}`);

  const [parleyPort, baselinePort] = [await freePort(), await freePort()];
  const parleyUrl = `http://127.0.0.1:${parleyPort}`;
  const baselineUrl = `http://127.0.0.1:${baselinePort}`;
  const parley = startNode('Parley server', [parleyBin, 'serve', '--role', 'api'], {
    env: parleyEnv({ ...baseEnv, PORT: String(parleyPort), HOST: '127.0.0.1', PUBLIC_URL: parleyUrl }),
    cleanup,
  });
  const baseline = startNode('baseline server', [join(benchDir, 'baseline-hello.mjs')], {
    env: { ...process.env, PORT: String(baselinePort), HOST: '127.0.0.1' },
    cleanup,
  });
  await Promise.all([waitForOk(`${parleyUrl}/health`, parley), waitForOk(baselineUrl, baseline)]);

  try {
    const pids = [process.pid, parley.child.pid, baseline.child.pid];
    return await benchmark({ autocannon, parley, parleyUrl, baselineUrl, adminKey, pids });
  } catch (error) {
    error.message += `\n--- Parley server output ---\n${parley.output || '(none)'}`;
    throw error;
  }
}

async function benchmark({ autocannon, parley, parleyUrl, baselineUrl, adminKey, pids }) {
  const admin = { authorization: `Bearer ${adminKey}` };
  const script = await requestJson('POST', `${parleyUrl}/v1/scripts`, {
    headers: admin,
    expect: 201,
    body: {
      name: 'Bench',
      systemPrompt: 'You are an interviewer.',
      questions: [{ id: 'q1', text: 'How was it?', type: 'open' }],
    },
  });
  await requestJson('POST', `${parleyUrl}/v1/scripts/${script.id}/publish`, { headers: admin });
  const campaign = await requestJson('POST', `${parleyUrl}/v1/campaigns`, {
    headers: admin,
    expect: 201,
    body: { name: 'Bench campaign', scriptId: script.id },
  });
  const campaignUrl = `${parleyUrl}/v1/campaigns/${campaign.id}`;
  // The exact answer every benchmark request must get (the campaign does not change meanwhile).
  const first = await fetch(campaignUrl, { headers: admin });
  const expectedCampaign = await first.text();
  if (first.status !== 200) throw new Error(`GET ${campaignUrl}: expected 200, got ${first.status}: ${expectedCampaign}`);

  let keyCount = 0;
  const pool = createKeyPool(async () => {
    const created = await requestJson('POST', `${parleyUrl}/v1/api-keys`, {
      headers: admin,
      expect: 201,
      body: { name: `bench-${++keyCount}`, scopes: ['campaigns:read'] },
    });
    return created.key;
  });
  const dummyKey = `prl_${'x'.repeat(43)}`;
  const targets = {
    parley: { name: 'parley', url: campaignUrl, nextKey: () => pool.lease(), expectBody: expectedCampaign },
    baseline: { name: 'baseline', url: baselineUrl, nextKey: () => dummyKey, expectBody: '{"hello":"world"}' },
  };

  let fastestParley = 0;
  const run = async (target, seconds) => {
    if (target === targets.parley) {
      const perSecond = fastestParley > 0 ? fastestParley * 2 : firstGuessPerSecond;
      await pool.reserve(Math.ceil(perSecond * seconds) + settings.connections * leaseSize);
    }
    const r = await measure(autocannon, target, seconds, pids);
    if (target === targets.parley) fastestParley = Math.max(fastestParley, r.rps);
    return r;
  };

  const { duration, rounds, connections, warmup } = settings;
  console.log('Parley API benchmark: authenticated GET /v1/campaigns/{id} (SQLite) vs bare Fastify hello-world');
  console.log(
    `node ${process.version}, ${availableParallelism()} CPU(s) (${cpus()[0]?.model?.trim() ?? 'unknown'}); ` +
      `${connections} connections, pipelining 1; warm-up ${warmup} s each, then ${rounds} alternating rounds of ${duration} s`,
  );
  console.log('');

  // Printed row by row as rounds finish, so the columns have fixed widths.
  const widths = [8, 9, 8, 8, 9, 8, 8, 7, 10, 9];
  const line = (cells) => cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' ');
  console.log(line(['round', 'target', 'req/s', 'p50 ms', 'p99 ms', '2xx', 'non-2xx', 'errors', 'mismatches', 'other CPU']));
  console.log(widths.map((w) => '-'.repeat(w)).join(' '));
  const show = (label, r) => console.log(line(roundRow(label, r)));

  const all = [];
  if (warmup > 0) {
    show('warm-up', await run(targets.parley, warmup));
    show('warm-up', await run(targets.baseline, warmup));
  }
  for (let i = 1; i <= rounds; i++) {
    for (const target of [targets.parley, targets.baseline]) {
      const r = await run(target, duration);
      all.push(r);
      show(String(i), r);
    }
  }

  const parleyRounds = all.filter((r) => r.target === 'parley');
  const baselineRounds = all.filter((r) => r.target === 'baseline');
  const summary = (list) => ({
    rps: median(list.map((r) => r.rps)),
    p50: median(list.map((r) => r.p50)),
    p99: median(list.map((r) => r.p99)),
    non2xx: list.reduce((s, r) => s + r.non2xx, 0),
    errors: list.reduce((s, r) => s + r.errors + r.timeouts, 0),
    mismatches: list.reduce((s, r) => s + r.mismatches, 0),
  });
  const p = summary(parleyRounds);
  const b = summary(baselineRounds);
  const value = Math.round(p.rps);
  const base = Math.round(b.rps);

  console.log('');
  console.log(`Medians over ${rounds} round(s) of ${duration} s (warm-up excluded):`);
  console.log(
    formatTable([
      ['target', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'mismatches'],
      ['Parley GET /v1/campaigns/{id}', value, fmtMs(p.p50), fmtMs(p.p99), p.non2xx, p.errors, p.mismatches],
      ['bare Fastify GET /', base, fmtMs(b.p50), fmtMs(b.p99), b.non2xx, b.errors, b.mismatches],
    ]),
  );
  console.log(`Parley / baseline: ${(value / base).toFixed(3)}   (API keys used: ${pool.size}, at most ${keyQuota} requests each)`);
  // The baseline needs both cores (server and load generator) where Parley needs about one, so
  // other programs slow the baseline more and push the ratio up: say so when it happened.
  const busyRounds = all.filter((r) => r.otherCores !== undefined && r.otherCores >= otherLoadWarning);
  if (busyRounds.length > 0) {
    console.log(
      `Note: other programs kept ${otherLoadWarning}+ CPU cores busy in ${busyRounds.length} of ${all.length} rounds ` +
        `(column "other CPU"); the baseline suffers more from that than Parley, so the ratio reads high. ` +
        'Rerun on a quiet machine for a comparable figure.',
    );
  }

  const serverOutput = parley.output.trim();
  if (serverOutput) {
    console.log('\nParley server output (LOG_LEVEL=warn, last lines):');
    console.log(serverOutput.split('\n').slice(-20).join('\n'));
  }

  const problems = [];
  if (pool.exhausted) problems.push('the API key pool ran out during a Parley round (its 429s are not a measurement)');
  for (const r of all) {
    if (r.non2xx || r.errors || r.timeouts || r.mismatches) {
      problems.push(
        `${r.target}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts, ${r.mismatches} mismatched bodies; ` +
          `status codes ${JSON.stringify(r.statusCodes)}`,
      );
    }
  }
  if (problems.length > 0) {
    console.error(`\nThe measurement is not valid:\n  ${problems.join('\n  ')}`);
    if (serverOutput) console.error(`--- Parley server output ---\n${parley.output}`);
    return 1;
  }

  console.log(resultLine('api', { value, unit: 'req/s', baseline: base, ratio: value / base }));
  return 0;
}

await runBenchmark('api', main);
