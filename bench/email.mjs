// `npm run bench:email`: invitation emails per second from Parley's worker to a local SMTP sink,
// beside raw pooled nodemailer sending messages of the same size to the same sink in the same
// run, alternating rounds, medians reported, with the worker's peak memory.
//   Parley round: a new campaign gets BENCH_MESSAGES invites through POST …/invites/bulk (each
//   queues its email: a message row and a send-email job); then `parley worker` is started alone
//   (EMAIL_RATE_PER_SECOND=0, SMTP_POOL_SIZE=5) and timed from its start until the sink has
//   accepted every message.
//   Baseline round: bench/raw-nodemailer.mjs, timed from its start until the sink has accepted
//   every message.
// The sink (bench/smtp-sink.mjs, a real smtp-server), the API server, the worker and the baseline
// are child processes. See bench/README.md for the knobs and how to read the RESULT line.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  assertServerBuilt, benchDir, runBenchmark, envInt, epochMs, formatTable, freePort, importDependency, median,
  otherCpuMeter, parleyBin, parleyEnv, processCpuSeconds, processMemory, requestJson, resultLine, runNode,
  startNode, tempDir, waitForOk,
} from './lib.mjs';

/** Filled from the environment in main(), so a bad value is reported like any other failure. */
const settings = {};

/** The issue's aim: printed beside the figures, never a reason to fail the run. */
const aimRatio = 0.7;
const rateLimitPerMinute = 10_000;
/** Invites per POST …/invites/bulk: the most the endpoint takes. */
const bulkSize = 500;
const mailFrom = 'Bench <bench@parley.test>';
/** A round fails when the sink has seen no new message for this long. */
const stallMs = 30_000;
/** Cores busy with other programs during a round from which the run prints a note. */
const otherLoadWarning = 0.25;

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '?');
const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '?');
const toMb = (bytes) => bytes / (1024 * 1024);

class RoundError extends Error {}

async function main(cleanup) {
  Object.assign(settings, {
    rounds: envInt('BENCH_ROUNDS', 2, { min: 1, max: 50 }),
    messages: envInt('BENCH_MESSAGES', 10_000, { min: 10, max: 1_000_000 }),
    poolSize: envInt('BENCH_POOL_SIZE', 5, { min: 1, max: 100 }),
    inFlight: envInt('BENCH_IN_FLIGHT', 50, { min: 1, max: 10_000 }),
    warmup: envInt('BENCH_WARMUP', 500, { min: 0, max: 1_000_000 }),
    // Parley's SMTP sockets have Nagle's algorithm off, so the baseline's do too; BENCH_STOCK=1
    // adds a reference round of stock nodemailer (Nagle on), which is never in the RESULT.
    noDelay: envInt('BENCH_STOCK', 0, { min: 0, max: 1 }) === 1,
    timeoutSeconds: envInt('BENCH_TIMEOUT', 300, { min: 10, max: 36_000 }),
  });
  assertServerBuilt();
  const Database = await importDependency('better-sqlite3');

  const root = await tempDir('parley-bench-email-', cleanup);
  const dataDir = join(root, 'parley');
  await mkdir(dataDir);
  const secret = randomBytes(32).toString('base64url');
  const baseEnv = { PARLEY_SECRET: secret, LOG_LEVEL: 'warn' };

  const cliOut = await runNode(
    [parleyBin, 'api-keys', 'create', '--org', 'Bench', '--plan', 'enterprise', '--rate-limit', String(rateLimitPerMinute)],
    { env: parleyEnv({ ...baseEnv, DATA_DIR: dataDir }) },
  );
  const adminKey = cliOut.trim().split('\n').at(-1).trim();
  if (!/^prl_\S+$/.test(adminKey)) throw new Error(`unexpected output from parley api-keys create:\n${cliOut}`);

  const [apiPort, smtpPort, controlPort] = [await freePort(), await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const sinkUrl = `http://127.0.0.1:${controlPort}`;
  const smtpUrl = `smtp://127.0.0.1:${smtpPort}`;

  const sink = startNode('SMTP sink', [join(benchDir, 'smtp-sink.mjs')], {
    env: { ...process.env, SMTP_PORT: String(smtpPort), CONTROL_PORT: String(controlPort) },
    cleanup,
  });
  await waitForOk(`${sinkUrl}/count`, sink);

  // The API process needs the transport configured too (or invites are not queued for email),
  // but with --role api it never sends: only the worker started in each round does.
  const emailEnv = {
    SMTP_URL: smtpUrl,
    MAIL_FROM: mailFrom,
    SMTP_POOL_SIZE: String(settings.poolSize),
    EMAIL_RATE_PER_SECOND: '0',
  };
  const parleyCommon = { ...baseEnv, ...emailEnv, DATA_DIR: dataDir, PUBLIC_URL: apiUrl };
  const api = startNode('Parley API server', [parleyBin, 'serve', '--role', 'api'], {
    env: parleyEnv({ ...parleyCommon, PORT: String(apiPort), HOST: '127.0.0.1' }),
    cleanup,
  });
  await waitForOk(`${apiUrl}/health`, api);

  const db = new Database(join(dataDir, 'parley.db'), { readonly: true, fileMustExist: true });
  cleanup.add(() => db.close());

  const context = { api, sink, apiUrl, sinkUrl, smtpUrl, adminKey, db, dataDir, parleyCommon, cleanup };
  try {
    return await benchmark(context);
  } catch (error) {
    if (!(error instanceof RoundError)) {
      error.message += `\n--- Parley API server output ---\n${api.output.trim() || '(none)'}`;
      error.message += `\n--- SMTP sink output ---\n${sink.output.trim() || '(none)'}`;
    }
    throw error;
  }
}

async function benchmark(ctx) {
  const started = performance.now();
  const { rounds, messages, poolSize, inFlight, warmup, timeoutSeconds, noDelay } = settings;
  const cores = cpus().length;
  let requests = 0;
  const api = (method, path, body, expect = 200) => {
    requests++;
    return requestJson(method, `${ctx.apiUrl}${path}`, { headers: { authorization: `Bearer ${ctx.adminKey}` }, body, expect });
  };
  const sinkReset = (target) => requestJson('POST', `${ctx.sinkUrl}/reset?target=${target}`);
  const sinkCount = () => requestJson('GET', `${ctx.sinkUrl}/count`);

  /**
   * Waits until the sink has accepted `target` messages. Fails when `proc` exits, when `failed()`
   * names a problem, when no message arrives for `stallMs`, or after the round's time limit.
   */
  const waitForSink = async (target, proc, failed = () => undefined) => {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const state = await sinkCount();
      if (state.count >= target) return state;
      const why =
        (proc.exitInfo && `${proc.name} exited (${proc.exitInfo.signal ?? `code ${proc.exitInfo.code}`})`) ||
        failed() ||
        (Date.now() - lastChange > stallMs && `no message for ${stallMs / 1000} s`) ||
        (Date.now() > deadline && `not done within BENCH_TIMEOUT=${timeoutSeconds} s`);
      if (why) {
        throw new RoundError(
          `${proc.name}: ${why}; the sink has ${state.count} of ${target} messages.\n--- ${proc.name} output ---\n${proc.output.trim() || '(none)'}`,
        );
      }
      if (state.count !== last) {
        last = state.count;
        lastChange = Date.now();
      }
      await sleep(100);
    }
  };

  const script = await api('POST', '/v1/scripts', {
    name: 'Bench',
    systemPrompt: 'You are an interviewer.',
    questions: [{ id: 'q1', text: 'How was it?', type: 'open' }],
  }, 201);
  await api('POST', `/v1/scripts/${script.id}/publish`);

  console.log('Parley email benchmark: invitations per second from `parley worker` (SQLite) to a local SMTP sink');
  console.log(
    `node ${process.version}, ${availableParallelism()} CPU(s) (${cpus()[0]?.model?.trim() ?? 'unknown'}); ` +
      `${messages.toLocaleString('en-US')} messages per round, ${rounds} alternating round(s) per target; ` +
      `SMTP pool of ${poolSize} connections for both; EMAIL_RATE_PER_SECOND=0; baseline keeps ${inFlight} sends in flight`,
  );

  // --- One Parley round ----------------------------------------------------------------------
  const workerOutputs = [];
  const creations = [];
  async function parleyRound(round) {
    const campaign = await api('POST', '/v1/campaigns', { name: `Email round ${round}`, scriptId: script.id }, 201);
    const createStart = performance.now();
    for (let first = 0; first < messages; first += bulkSize) {
      const invites = [];
      for (let i = first; i < Math.min(messages, first + bulkSize); i++) {
        invites.push({ email: `p${round}-${i}@bench.parley.test`, name: `Participant ${i}` });
      }
      const res = await api('POST', `/v1/campaigns/${campaign.id}/invites/bulk`, { invites, sendEmail: true }, 201);
      if (res.count !== invites.length || res.data.some((invite) => invite.emailStatus !== 'queued')) {
        throw new Error(
          `POST /v1/campaigns/${campaign.id}/invites/bulk: expected ${invites.length} invites with emailStatus "queued", got ` +
            `${res.count}: ${JSON.stringify(res.data.slice(0, 2))}`,
        );
      }
    }
    creations.push({ round, seconds: (performance.now() - createStart) / 1000 });
    const before = await api('GET', `/v1/campaigns/${campaign.id}`);
    if (before.stats?.emails?.sent !== 0) throw new Error(`campaign ${campaign.id}: stats.emails.sent is ${before.stats?.emails?.sent} before the worker started`);

    await sinkReset(messages);
    const sinkCpuBefore = processCpuSeconds(ctx.sink.child.pid);
    const t0 = epochMs();
    const worker = startNode(`Parley worker (round ${round})`, [parleyBin, 'worker'], { env: parleyEnv(ctx.parleyCommon), cleanup: ctx.cleanup });
    const otherCpu = otherCpuMeter([process.pid, ctx.sink.child.pid, ctx.api.child.pid, worker.child.pid], cores);
    try {
      const state = await waitForSink(messages, worker);
      const otherCores = otherCpu();
      const senderCpu = processCpuSeconds(worker.child.pid);
      const sinkCpu = processCpuSeconds(ctx.sink.child.pid) - sinkCpuBefore;

      // The sink has everything; the worker records the last few "sent" right after. Then a
      // short pause, to see any message sent twice arrive.
      const deadline = Date.now() + 30_000;
      let stats;
      for (;;) {
        stats = (await api('GET', `/v1/campaigns/${campaign.id}`)).stats;
        if (stats?.emails?.sent >= messages || Date.now() > deadline) break;
        await sleep(100);
      }
      await sleep(500);
      const after = await sinkCount();
      const memory = processMemory(worker.child.pid);
      await worker.stop();

      const statuses = Object.fromEntries(
        ctx.db.prepare('select status, count(*) as n from email_messages where campaign_id = ? group by status').all(campaign.id).map((r) => [r.status, r.n]),
      );
      const jobsLeft = ctx.db.prepare("select count(*) as n from jobs where name = 'send-email'").get().n;
      const providerIds = ctx.db.prepare('select count(distinct provider_id) as n from email_messages where campaign_id = ?').get(campaign.id).n;
      const output = worker.output.trim();
      if (output) workerOutputs.push({ round, output });

      const problems = [];
      if (stats?.emails?.sent !== messages) problems.push(`stats.emails.sent is ${stats?.emails?.sent}, expected ${messages}`);
      if (after.count !== messages) problems.push(`the sink received ${after.count} messages for ${messages} invites`);
      if (after.unique !== messages || after.recipients !== after.count) {
        problems.push(`${after.recipients} recipients over ${after.count} messages, ${after.unique} distinct (duplicates or missing)`);
      }
      if (statuses.sent !== messages) problems.push(`email_messages by status: ${JSON.stringify(statuses)}`);
      if (jobsLeft !== 0) problems.push(`${jobsLeft} send-email jobs left in the queue`);
      if (worker.exitInfo && worker.exitInfo.code !== 0) problems.push(`the worker exited with ${worker.exitInfo.signal ?? `code ${worker.exitInfo.code}`} when stopped`);
      if (problems.length > 0) {
        throw new RoundError(`Parley round ${round}: ${problems.join('; ')}\n--- Parley worker output ---\n${output || '(none)'}`);
      }
      return {
        ...figures(state, t0),
        senderCpu,
        sinkCpu,
        peakBytes: memory?.peakBytes,
        otherCores,
        checks: `stats.emails.sent ${stats.emails.sent}; email_messages ${JSON.stringify(statuses)}; send-email jobs left ${jobsLeft}; ` +
          `sink ${after.count} messages to ${after.unique} distinct recipients; distinct provider ids recorded ${providerIds}`,
        providerIds,
      };
    } finally {
      await worker.stop();
    }
  }

  // --- One baseline round --------------------------------------------------------------------
  async function rawRound(label, count, { tcpNoDelay = false } = {}) {
    await sinkReset(count);
    const sinkCpuBefore = processCpuSeconds(ctx.sink.child.pid);
    const t0 = epochMs();
    const raw = startNode(`raw nodemailer (${label})`, [join(benchDir, 'raw-nodemailer.mjs')], {
      env: {
        ...process.env,
        SMTP_URL: ctx.smtpUrl,
        MAIL_FROM: mailFrom,
        PUBLIC_URL: ctx.apiUrl,
        MESSAGES: String(count),
        POOL_SIZE: String(poolSize),
        IN_FLIGHT: String(inFlight),
        RECIPIENT_PREFIX: `b${label}${tcpNoDelay ? 'n' : ''}`,
        NO_DELAY: tcpNoDelay ? '1' : '0',
      },
      cleanup: ctx.cleanup,
    });
    const otherCpu = otherCpuMeter([process.pid, ctx.sink.child.pid, ctx.api.child.pid, raw.child.pid], cores);
    const result = () => {
      const line = raw.output.split('\n').find((l) => l.startsWith('RAW-RESULT '));
      return line ? JSON.parse(line.slice('RAW-RESULT '.length)) : undefined;
    };
    try {
      const state = await waitForSink(count, raw, () => (result()?.failed ? `a send failed: ${result().failed}` : undefined));
      const otherCores = otherCpu();
      let done;
      for (const deadline = Date.now() + 10_000; !(done = result()) && Date.now() < deadline && !raw.exitInfo;) await sleep(20);
      const senderCpu = processCpuSeconds(raw.child.pid);
      const sinkCpu = processCpuSeconds(ctx.sink.child.pid) - sinkCpuBefore;
      const memory = processMemory(raw.child.pid);
      await sleep(200);
      const after = await sinkCount();
      if (!done || done.failed || done.accepted !== count || after.count !== count || after.unique !== count) {
        throw new RoundError(
          `raw nodemailer (${label}): result ${JSON.stringify(done)}, sink ${JSON.stringify(after)}\n--- output ---\n${raw.output.trim() || '(none)'}`,
        );
      }
      return { ...figures(state, t0), senderCpu, sinkCpu, peakBytes: memory?.peakBytes, otherCores };
    } finally {
      await raw.stop();
    }
  }

  /** Rates from the sink's own clock: from the sender's start to its first and last message. */
  function figures(state, t0) {
    const seconds = (state.targetAt - t0) / 1000;
    const steadySeconds = (state.targetAt - state.firstAt) / 1000;
    return {
      messages: state.count,
      seconds,
      rate: state.count / seconds,
      firstSeconds: (state.firstAt - t0) / 1000,
      steadyRate: steadySeconds > 0 ? (state.count - 1) / steadySeconds : NaN,
      kbPerMessage: state.bytes / state.count / 1024,
      connections: state.connections,
      peakOpen: state.peakOpen,
    };
  }

  // --- Rounds ---------------------------------------------------------------------------------
  if (warmup > 0) {
    const w = await rawRound('warm-up', Math.min(warmup, messages));
    console.log(`\nWarm-up of the sink (raw nodemailer, not counted): ${fmtInt(w.messages)} messages in ${fmt(w.seconds, 2)} s`);
  }
  console.log('');
  const header = ['round', 'target', 'messages', 'seconds', 'msg/s', '1st msg s', 'steady msg/s', 'KB/msg', 'SMTP conns', 'open max', 'sender CPU s', 'sink CPU s', 'peak MB', 'other CPU'];
  const widths = [5, 11, 8, 7, 7, 9, 12, 6, 10, 8, 12, 10, 7, 9];
  const line = (cells) => cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  const results = [];
  const show = (r) =>
    console.log(
      line([
        r.round, r.target, r.messages, fmt(r.seconds, 2), fmt(r.rate), fmt(r.firstSeconds, 2), fmt(r.steadyRate), fmt(r.kbPerMessage, 1), r.connections, r.peakOpen,
        fmt(r.senderCpu, 2), fmt(r.sinkCpu, 2), fmt(toMb(r.peakBytes), 0), r.otherCores === undefined ? '?' : fmt(r.otherCores, 2),
      ]),
    );
  const checks = [];
  for (let round = 1; round <= rounds; round++) {
    const p = { round, target: 'parley', ...(await parleyRound(round)) };
    results.push(p);
    checks.push(`round ${round}: ${p.checks}`);
    show(p);
    const b = { round, target: 'baseline', ...(await rawRound(String(round), messages, { tcpNoDelay: true })) };
    results.push(b);
    show(b);
    if (noDelay) {
      const n = { round, target: 'raw-stock', ...(await rawRound(String(round), messages)) };
      results.push(n);
      show(n);
    }
  }

  // --- Summary --------------------------------------------------------------------------------
  const of = (target) => results.filter((r) => r.target === target);
  const med = (target, key) => median(of(target).map((r) => r[key]));
  const parleyRate = Math.round(med('parley', 'rate'));
  const rawRate = Math.round(med('baseline', 'rate'));
  const ratio = parleyRate / rawRate;
  const workerPeak = Math.max(...of('parley').map((r) => r.peakBytes ?? NaN));
  const rawPeak = Math.max(...of('baseline').map((r) => r.peakBytes ?? NaN));
  const peakOf = (target) => Math.max(...of(target).map((r) => r.peakBytes ?? NaN));
  const row = (name, target, peak = peakOf(target)) => [
    name, fmtInt(Math.round(med(target, 'rate'))), fmt(med(target, 'seconds'), 2), fmt(med(target, 'firstSeconds'), 2),
    fmtInt(med(target, 'steadyRate')), fmt(med(target, 'senderCpu') / messages * 1e6, 0), fmt(toMb(peak), 0),
  ];
  console.log('');
  console.log(`Medians over ${rounds} round(s) of ${fmtInt(messages)} messages (warm-up excluded):`);
  console.log(
    formatTable([
      ['target', 'msg/s', 'seconds', '1st msg s', 'steady msg/s', 'sender CPU µs/msg', 'peak MB (max)'],
      row('Parley `parley worker` (SQLite, pool of ' + poolSize + ')', 'parley', workerPeak),
      row(`raw pooled nodemailer (pool of ${poolSize}, TCP_NODELAY like Parley)`, 'baseline', rawPeak),
      ...(noDelay ? [row('reference: stock nodemailer, Nagle on (not in RESULT)', 'raw-stock')] : []),
    ]),
  );
  console.log(`Parley / baseline: ${ratio.toFixed(3)}`);
  console.log(`Peak memory of the Parley worker (VmHWM, max over rounds): ${fmt(toMb(workerPeak), 1)} MB (raw nodemailer: ${fmt(toMb(rawPeak), 1)} MB)`);
  console.log('Checks after each Parley round:');
  for (const c of checks) console.log(`  ${c}`);
  const creationRates = creations.map((c) => messages / c.seconds);
  console.log(
    `Invites created before each Parley round through POST /v1/campaigns/{id}/invites/bulk (${bulkSize} per request, emails queued; ` +
      `not part of the figure): median ${fmtInt(median(creationRates))} invites/s (${creations.map((c) => `${fmt(c.seconds, 1)} s`).join(', ')})`,
  );
  const busy = results.filter((r) => r.otherCores !== undefined && r.otherCores >= otherLoadWarning);
  if (busy.length > 0) {
    console.log(
      `Note: other programs kept ${otherLoadWarning}+ CPU cores busy in ${busy.length} of ${results.length} rounds ` +
        '(column "other CPU"); rerun on a quiet machine for a comparable figure.',
    );
  }
  if (of('parley').some((r) => r.providerIds < messages)) {
    console.log(
      'Note: the worker recorded fewer distinct provider ids than messages, although the sink answers every message with its own ' +
        '"250 2.0.0 Ok: queued as <id>" (see "Checks"); provider events matched by provider id would find the wrong message.',
    );
  }
  for (const { round, output } of workerOutputs) {
    console.log(`\nParley worker output, round ${round} (LOG_LEVEL=warn, last lines):`);
    console.log(output.split('\n').slice(-20).join('\n'));
  }
  const apiOutput = ctx.api.output.trim();
  if (apiOutput) {
    console.log('\nParley API server output (LOG_LEVEL=warn, last lines):');
    console.log(apiOutput.split('\n').slice(-20).join('\n'));
  }

  console.log('');
  const aimMet = ratio >= aimRatio;
  console.log(
    `Aim: at least ${Math.round(aimRatio * 100)}% of raw nodemailer with the rate limit lifted -> ` +
      `${fmtInt(parleyRate)} / ${fmtInt(rawRate)} msg/s = ${(ratio * 100).toFixed(1)}%: ${aimMet ? 'met' : 'NOT met'}`,
  );
  const elapsed = performance.now() / 1000;
  console.log(
    `Elapsed: ${Math.floor(elapsed / 60)} min ${fmt(elapsed % 60, 0)} s in all (${fmt((performance.now() - started) / 1000, 0)} s after set-up); ` +
      `${requests} API requests`,
  );
  console.log(resultLine('email', { value: parleyRate, unit: 'msg/s', baseline: rawRate, ratio }));
  return 0;
}

await runBenchmark('email', main, { describeError: (error) => (error instanceof RoundError ? error.message : error?.stack ?? error) });
