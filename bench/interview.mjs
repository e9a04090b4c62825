// `npm run bench:interview`: the participant's side of an interview on SQLite, through the real
// HTTP API, under 50 concurrent participants:
//   - START: POST /p/invites/:token/start, each request the real first start of a fresh invite
//     (invite pending -> started, session created, cookie set);
//   - ANSWER: POST /p/session/answer, each participant holding its own session cookie and
//     answering its script's questions in order (200 rating questions; and a variant with 200
//     open questions, follow-ups disabled, so no interviewer is asked);
// beside a bare Fastify hello-world (bench/baseline-hello.mjs) measured by the same client at the
// same concurrency, alternating rounds, medians reported. The servers are child processes; the
// client (50 closed-loop workers, one keep-alive connection each) runs in this process.
// Last, for reference, the SQL of an answer alone on the run's database file (no HTTP).
// See bench/README.md for the knobs and how to read the two RESULT lines.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  assertServerBuilt, benchDir, closedLoop, runBenchmark, envInt, formatTable, freePort, importDependency, median, otherCpuMeter,
  parleyBin, parleyEnv, percentile, processCpuSeconds, requestJson, resultLine, runNode, startNode, tempDir,
  timedHttpRequest, waitForOk,
} from './lib.mjs';

/** Filled from the environment in main(), so a bad value is reported like any other failure. */
const settings = {};

/** The aims: printed beside the figures, never a reason to fail the run. */
const aimRatio = 0.4;
const aimP99Ms = 25;

/** The admin API's limit per key and minute; the run makes a few hundred admin requests at most. */
const rateLimitPerMinute = 10_000;
/** Invites per POST /v1/campaigns/{id}/invites/bulk (the API's maximum). */
const bulkSize = 500;
/** Assumed rates before the first round of a kind has been measured (invites and sessions are cheap). */
const firstGuessPerSecond = 6_000;
/** Cores busy with other programs during a round from which the run prints a note. */
const otherLoadWarning = 0.25;
/** Problems quoted per target when a run is invalid. */
const problemSamples = 3;

const browserAgent =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const startBody = JSON.stringify({ prefill: {} });

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
const fmtMs = (n) => fmt(n, 2);
const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n));

/** The two scripts: the same number of questions, rating or open (follow-ups off). */
function makeQuestions(type, count) {
  return Array.from({ length: count }, (_, i) =>
    type === 'rating'
      ? { id: `q${i + 1}`, text: `On a scale of 1 to 10, how would you rate part ${i + 1} of your first week?`, type: 'rating' }
      : { id: `q${i + 1}`, text: `Tell us about part ${i + 1} of your first week.`, type: 'open', followUp: { enabled: false } },
  );
}

/** The answer participant-question `n` sends: a rating, or one sentence of text. */
function answerFor(type, n) {
  return type === 'rating' ? (n % 10) + 1 : `Part ${n} went smoothly: the team explained every step clearly and I always knew whom to ask.`;
}

async function main(cleanup) {
  Object.assign(settings, {
    duration: envInt('BENCH_DURATION', 6, { min: 1, max: 600 }),
    rounds: envInt('BENCH_ROUNDS', 3, { min: 1, max: 100 }),
    connections: envInt('BENCH_CONNECTIONS', 50, { min: 1, max: 1000 }),
    warmup: envInt('BENCH_WARMUP', 3, { min: 0, max: 600 }),
    questions: envInt('BENCH_QUESTIONS', 200, { min: 2, max: 200 }),
  });
  assertServerBuilt();

  const dataDir = await tempDir('parley-bench-interview-', cleanup);
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
    return await benchmark({
      parley,
      baseline,
      parleyUrl,
      parleyOrigin: { hostname: '127.0.0.1', port: parleyPort },
      baselineOrigin: { hostname: '127.0.0.1', port: baselinePort },
      adminKey,
      dataDir,
    });
  } catch (error) {
    error.message += `\n--- Parley server output ---\n${parley.output || '(none)'}`;
    throw error;
  }
}

async function benchmark({ parley, baseline, parleyUrl, parleyOrigin, baselineOrigin, adminKey, dataDir }) {
  const started = performance.now();
  const { duration, rounds, connections, warmup, questions: questionCount } = settings;
  const admin = { authorization: `Bearer ${adminKey}` };
  const api = (method, path, body, expect = 200) => requestJson(method, `${parleyUrl}${path}`, { headers: admin, body, expect });

  // --- Set-up: two scripts, two campaigns ------------------------------------------------------
  /** One campaign per answer variant; `start` rounds use the rating one. */
  const variants = {};
  for (const type of ['rating', 'open']) {
    const script = await api('POST', '/v1/scripts', {
      name: `Bench ${type}`,
      systemPrompt: 'You are an interviewer.',
      questions: makeQuestions(type, questionCount),
    }, 201);
    await api('POST', `/v1/scripts/${script.id}/publish`);
    const campaign = await api('POST', '/v1/campaigns', { name: `Bench ${type}`, scriptId: script.id }, 201);
    variants[type] = {
      type,
      campaignId: campaign.id,
      /** Tokens of pending invites, used once each, in order. */
      tokens: [],
      nextToken: 0,
      invitesCreated: 0,
      /** Started sessions nobody answers yet: { cookie, next } (next = the question to answer). */
      pool: [],
      /** The participant each worker plays, kept across rounds. */
      participants: new Array(connections).fill(undefined),
      starts: 0,
      answers: 0,
    };
  }

  /** Creates pending invites (500 per request, no email) until `count` unused tokens are ready. */
  const ensureTokens = async (variant, count) => {
    while (variant.tokens.length - variant.nextToken < count) {
      const invites = Array.from({ length: bulkSize }, (_, i) => ({ name: `Participant ${variant.invitesCreated + i + 1}` }));
      const created = await api('POST', `/v1/campaigns/${variant.campaignId}/invites/bulk`, { invites, sendEmail: false }, 201);
      if (created.count !== bulkSize || created.data.some((invite) => invite.status !== 'pending' || typeof invite.token !== 'string')) {
        throw new Error(`POST /v1/campaigns/${variant.campaignId}/invites/bulk: expected ${bulkSize} pending invites with tokens`);
      }
      variant.invitesCreated += created.count;
      for (const invite of created.data) variant.tokens.push(invite.token);
    }
  };

  // --- The client: one keep-alive connection per worker and server -----------------------------
  const newAgents = () => Array.from({ length: connections }, () => new http.Agent({ keepAlive: true, maxSockets: 1, noDelay: true }));
  const agents = { parley: newAgents(), baseline: newAgents() };
  const jsonHeaders = (cookie) => ({
    'content-type': 'application/json',
    'user-agent': browserAgent,
    ...(cookie ? { cookie } : {}),
  });

  /** What a start must answer: 200, the session cookie, a new session on its first question. */
  const checkStart = (res) => {
    if (res.status !== 200) return { problem: `HTTP ${res.status}: ${res.text.slice(0, 300)}` };
    const setCookie = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('parley_session='));
    if (!setCookie || !/;\s*Path=\/p(;|$)/i.test(setCookie)) return { problem: `no parley_session cookie for Path=/p: ${JSON.stringify(res.headers['set-cookie'])}` };
    const view = JSON.parse(res.text);
    if (view.session?.status !== 'in_progress' || view.session?.questionsAnswered !== 0 || view.session?.totalQuestions !== questionCount) {
      return { problem: `unexpected session ${JSON.stringify(view.session)}` };
    }
    if (view.step?.kind !== 'question' || view.step.question?.id !== 'q1') return { problem: `unexpected first step ${JSON.stringify(view.step)}` };
    return { cookie: setCookie.split(';')[0] };
  };

  /** One untimed start (set-up and top-ups): a fresh invite's session, ready to answer. */
  const startSession = async (variant, worker = 0) => {
    await ensureTokens(variant, 1);
    const token = variant.tokens[variant.nextToken++];
    const res = await timedHttpRequest(agents.parley[worker], parleyOrigin, `/p/invites/${token}/start`, {
      method: 'POST',
      headers: jsonHeaders(),
      body: startBody,
    });
    const checked = checkStart(res);
    if (checked.problem) throw new Error(`POST /p/invites/…/start (set-up): ${checked.problem}`);
    variant.starts++;
    return { cookie: checked.cookie, next: 1 };
  };

  /** Tops the pool of ready sessions up to `count`, starting them 10 at a time (untimed). */
  const ensureSessions = async (variant, count) => {
    const missing = count - variant.pool.length;
    if (missing <= 0) return;
    await ensureTokens(variant, missing);
    let left = missing;
    await Promise.all(
      Array.from({ length: Math.min(10, missing) }, async (_, worker) => {
        while (left > 0) {
          left--;
          variant.pool.push(await startSession(variant, worker));
        }
      }),
    );
  };

  // --- Targets: how one request is made and checked ----------------------------------------------
  let baselineCookie = `parley_session=${'x'.repeat(49)}`;
  const targets = {
    start: {
      name: 'start',
      label: 'Parley POST /p/invites/:token/start (first start)',
      server: parley,
      agents: agents.parley,
      warmPath: '/health',
      variant: variants.rating,
      /** The first start of the next fresh invite; its session joins the rating pool. */
      async request(worker, record) {
        const variant = this.variant;
        if (variant.nextToken >= variant.tokens.length) {
          record.ranDry = true;
          return false;
        }
        const token = variant.tokens[variant.nextToken++];
        const res = await timedHttpRequest(this.agents[worker], parleyOrigin, `/p/invites/${token}/start`, {
          method: 'POST',
          headers: jsonHeaders(),
          body: startBody,
        });
        const checked = res.status === 200 ? checkStart(res) : { problem: `HTTP ${res.status}: ${res.text.slice(0, 300)}` };
        if (!checked.problem) {
          variant.starts++;
          variant.pool.push({ cookie: checked.cookie, next: 1 });
          baselineCookie = `parley_session=${'x'.repeat(checked.cookie.length - 'parley_session='.length)}`;
        }
        return { res, problem: checked.problem };
      },
    },
    baseline: {
      name: 'baseline',
      label: 'bare Fastify GET /',
      server: baseline,
      agents: agents.baseline,
      warmPath: '/',
      /** The same user agent and a cookie of the same length as a participant's. */
      async request(worker) {
        const res = await timedHttpRequest(this.agents[worker], baselineOrigin, '/', {
          headers: { 'user-agent': browserAgent, cookie: baselineCookie },
        });
        return { res, problem: res.status === 200 && res.text === '{"hello":"world"}' ? undefined : `HTTP ${res.status}: ${res.text.slice(0, 200)}` };
      },
    },
  };
  for (const variant of Object.values(variants)) {
    const name = variant.type === 'rating' ? 'answer' : 'answer-open';
    targets[name] = {
      name,
      label: `Parley POST /p/session/answer (${variant.type === 'rating' ? 'rating questions' : 'open questions, no follow-ups'})`,
      server: parley,
      agents: agents.parley,
      warmPath: '/health',
      variant,
      /** The worker's participant answers its next question; at the end it takes a new session. */
      async request(worker, record) {
        let p = variant.participants[worker];
        if (!p || p.next > questionCount) {
          p = variant.pool.shift();
          if (!p) {
            // The pool was sized from the fastest round so far; this is a fallback, reported.
            record.inlineStarts++;
            p = await startSession(variant, worker);
          }
          variant.participants[worker] = p;
        }
        const n = p.next;
        const res = await timedHttpRequest(this.agents[worker], parleyOrigin, '/p/session/answer', {
          method: 'POST',
          headers: jsonHeaders(p.cookie),
          body: JSON.stringify({ questionId: `q${n}`, answer: answerFor(variant.type, n) }),
        });
        let problem;
        if (res.status !== 200) {
          problem = `HTTP ${res.status}: ${res.text.slice(0, 300)}`;
        } else {
          const view = JSON.parse(res.text);
          const expectedStep = n < questionCount ? view.step?.kind === 'question' && view.step.question?.id === `q${n + 1}` : view.step?.kind === 'review';
          if (view.session?.questionsAnswered !== n || !expectedStep) {
            problem = `after answering q${n}: session ${JSON.stringify(view.session)}, step ${JSON.stringify(view.step).slice(0, 200)}`;
          }
        }
        if (problem) {
          // Its state is unknown now: the worker moves on to another session (the run fails anyway).
          variant.participants[worker] = undefined;
        } else {
          p.next++;
          variant.answers++;
        }
        return { res, problem };
      },
    };
  }

  // --- Rounds ------------------------------------------------------------------------------------
  const fastest = {};
  const pids = [process.pid, parley.child.pid, baseline.child.pid];

  /** Makes sure the round cannot run out of invites or sessions (outside the timing). */
  const prepare = async (target, seconds) => {
    const expected = Math.ceil((fastest[target.name] ? fastest[target.name] * 2 : firstGuessPerSecond) * seconds);
    if (target.name === 'start') {
      await ensureTokens(target.variant, expected + connections);
    } else if (target.variant) {
      const idle = target.variant.participants.filter((p) => !p || p.next > questionCount).length;
      await ensureSessions(target.variant, Math.ceil(expected / questionCount) + idle);
    }
  };

  const measure = async (target, seconds) => {
    await prepare(target, seconds);
    // Every worker's connection is open (or opened again) before the clock starts.
    await Promise.all(
      target.agents.map(async (agent) => {
        const res = await timedHttpRequest(agent, target === targets.baseline ? baselineOrigin : parleyOrigin, target.warmPath);
        if (res.status !== 200) throw new Error(`GET ${target.warmPath} before a ${target.name} round: HTTP ${res.status}`);
      }),
    );
    const record = {
      target: target.name, ms: [], ok: 0, non2xx: 0, errors: 0, mismatches: 0, statusCodes: {}, problems: [], inlineStarts: 0, ranDry: false,
    };
    const otherCpu = otherCpuMeter(pids, cpus().length);
    const serverCpu0 = processCpuSeconds(target.server.child.pid);
    const clientCpu0 = process.cpuUsage();
    const elapsedMs = await closedLoop(connections, seconds * 1000, async (worker) => {
      let outcome;
      try {
        outcome = await target.request(worker, record);
      } catch (error) {
        record.errors++;
        if (record.problems.length < problemSamples) record.problems.push(`request failed: ${error?.message ?? error}`);
        return undefined;
      }
      if (outcome === false) return false;
      const { res, problem } = outcome;
      record.ms.push(res.ms);
      record.statusCodes[res.status] = (record.statusCodes[res.status] ?? 0) + 1;
      if (res.status < 200 || res.status > 299) record.non2xx++;
      else if (problem) record.mismatches++;
      else record.ok++;
      if (problem && record.problems.length < problemSamples) record.problems.push(problem);
      return undefined;
    });
    const seconds_ = elapsedMs / 1000;
    const clientCpu = process.cpuUsage(clientCpu0);
    Object.assign(record, {
      seconds: seconds_,
      rps: record.ok / seconds_,
      p50: percentile(record.ms, 50),
      p99: percentile(record.ms, 99),
      serverCores: (processCpuSeconds(target.server.child.pid) - serverCpu0) / seconds_,
      clientCores: (clientCpu.user + clientCpu.system) / 1e6 / seconds_,
      otherCores: otherCpu(),
    });
    if (target.name !== 'baseline') fastest[target.name] = Math.max(fastest[target.name] ?? 0, record.rps);
    return record;
  };

  console.log('Parley interview benchmark (SQLite): the participant\'s START and ANSWER endpoints vs bare Fastify hello-world');
  console.log(
    `node ${process.version}, ${availableParallelism()} CPU(s) (${cpus()[0]?.model?.trim() ?? 'unknown'}); ` +
      `${connections} participants (closed loop, one keep-alive connection each); ${questionCount} questions per script; ` +
      `warm-up ${warmup} s per target, then ${rounds} round(s) of ${duration} s: start, baseline, answer, baseline, answer-open, baseline`,
  );
  console.log('');

  // Printed row by row as rounds finish, so the columns have fixed widths.
  const widths = [8, 11, 8, 8, 8, 8, 8, 7, 10, 8, 10, 9];
  const line = (cells) => cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' ');
  console.log(line(['round', 'target', 'req/s', 'p50 ms', 'p99 ms', '2xx', 'non-2xx', 'errors', 'mismatches', 'srv CPU', 'client CPU', 'other CPU']));
  console.log(widths.map((w) => '-'.repeat(w)).join(' '));
  const cores = (n) => (n === undefined || !Number.isFinite(n) ? '?' : fmt(n, 2));
  const show = (label, r) =>
    console.log(
      line([
        label, r.target, fmt(r.rps), fmtMs(r.p50), fmtMs(r.p99), r.ok, r.non2xx, r.errors, r.mismatches,
        cores(r.serverCores), cores(r.clientCores), cores(r.otherCores),
      ]),
    );

  const all = [];
  const warmups = [];
  const order = ['start', 'baseline', 'answer', 'baseline', 'answer-open', 'baseline'];
  if (warmup > 0) {
    for (const name of ['start', 'answer', 'answer-open', 'baseline']) {
      const r = await measure(targets[name], warmup);
      warmups.push(r);
      show('warm-up', r);
    }
  }
  const setupSeconds = (performance.now() - started) / 1000;
  for (let i = 1; i <= rounds; i++) {
    for (const name of order) {
      const r = await measure(targets[name], duration);
      all.push(r);
      show(String(i), r);
    }
  }

  // --- Summary ------------------------------------------------------------------------------------
  const summary = (name) => {
    const list = all.filter((r) => r.target === name);
    return {
      rps: Math.round(median(list.map((r) => r.rps))),
      p50: median(list.map((r) => r.p50)),
      p99: median(list.map((r) => r.p99)),
      p99All: percentile(list.flatMap((r) => r.ms), 99),
      requests: list.reduce((s, r) => s + r.ms.length, 0),
      non2xx: list.reduce((s, r) => s + r.non2xx, 0),
      errors: list.reduce((s, r) => s + r.errors, 0),
      mismatches: list.reduce((s, r) => s + r.mismatches, 0),
      rounds: list.length,
    };
  };
  const s = { start: summary('start'), answer: summary('answer'), open: summary('answer-open'), base: summary('baseline') };
  const ratio = (x) => x.rps / s.base.rps;
  const row = (label, x, withRatio = true) => [
    label, x.rps, withRatio ? ratio(x).toFixed(3) : '1', fmtMs(x.p50), fmtMs(x.p99), fmtMs(x.p99All), x.requests, x.non2xx, x.errors, x.mismatches,
  ];
  console.log('');
  console.log(`Medians over the rounds (warm-up excluded; ${rounds} round(s) per Parley target, ${s.base.rounds} of the baseline):`);
  console.log(
    formatTable([
      ['target', 'req/s', 'ratio', 'p50 ms', 'p99 ms', 'p99 all ms', 'requests', 'non-2xx', 'errors', 'mismatches'],
      row(targets.start.label, s.start),
      row(targets.answer.label, s.answer),
      row(targets['answer-open'].label, s.open),
      row(targets.baseline.label, s.base, false),
    ]),
  );
  console.log(
    '(req/s: 2xx answers per second; ratio: req/s / the baseline\'s; p50/p99 ms: median of the rounds\' percentiles; ' +
      'p99 all: over every measured request of that target)',
  );

  const busyRounds = all.filter((r) => r.otherCores !== undefined && r.otherCores >= otherLoadWarning);
  if (busyRounds.length > 0) {
    console.log(
      `Note: other programs kept ${otherLoadWarning}+ CPU cores busy in ${busyRounds.length} of ${all.length} rounds ` +
        '(column "other CPU"); the baseline suffers more from that than Parley, so the ratios read high. ' +
        'Rerun on a quiet machine for a comparable figure.',
    );
  }
  const dry = [...warmups, ...all].filter((r) => r.ranDry);
  if (dry.length > 0) console.log(`Note: ${dry.length} start round(s) used up their prepared invites before their time was over (rate over the shorter time).`);
  const inline = [...warmups, ...all].reduce((sum, r) => sum + r.inlineStarts, 0);
  if (inline > 0) console.log(`Note: ${inline} session(s) had to be started during answer rounds (the prepared ones ran out); those starts are not timed.`);

  // --- Checks: what the server now says about the campaigns ----------------------------------------
  const problems = [];
  for (const variant of Object.values(variants)) {
    const campaign = await api('GET', `/v1/campaigns/${variant.campaignId}`);
    const byStatus = campaign.stats?.invitesByStatus ?? {};
    if (campaign.stats?.totalInvites !== variant.invitesCreated || byStatus.started !== variant.starts || byStatus.pending !== variant.invitesCreated - variant.starts) {
      problems.push(
        `campaign "Bench ${variant.type}": expected ${variant.invitesCreated} invites, ${variant.starts} started and ` +
          `${variant.invitesCreated - variant.starts} pending, the API says ${JSON.stringify({ totalInvites: campaign.stats?.totalInvites, ...byStatus })}`,
      );
    }
  }
  console.log(
    `Checks: ${fmtInt(variants.rating.starts + variants.open.starts)} sessions started (each on its own invite; campaign stats agree: ` +
      `${problems.length === 0 ? 'yes' : 'NO'}), ${fmtInt(variants.rating.answers)} rating and ${fmtInt(variants.open.answers)} open answers ` +
      'recorded, each answered with the next question (or the review step after the last one)',
  );

  const serverOutput = parley.output.trim();
  if (serverOutput) {
    console.log('\nParley server output (LOG_LEVEL=warn, last lines):');
    console.log(serverOutput.split('\n').slice(-20).join('\n'));
  }

  for (const r of [...warmups, ...all]) {
    if (r.non2xx || r.errors || r.mismatches) {
      problems.push(
        `${r.target}: ${r.non2xx} non-2xx, ${r.errors} failed requests, ${r.mismatches} unexpected answers; status codes ` +
          `${JSON.stringify(r.statusCodes)}; for example: ${r.problems.join(' | ')}`,
      );
    }
  }
  if (problems.length > 0) {
    console.error(`\nThe measurement is not valid:\n  ${problems.join('\n  ')}`);
    if (serverOutput) console.error(`--- Parley server output ---\n${parley.output}`);
    return 1;
  }

  console.log('');
  const aim = (label, x) => {
    const r = ratio(x);
    const rateMet = r >= aimRatio;
    const latencyMet = x.p99 < aimP99Ms;
    console.log(
      `Aim ${label.padEnd(11)}: >= ${aimRatio * 100}% of bare Fastify's req/s -> ${(r * 100).toFixed(1)}% (${fmtInt(x.rps)} of ${fmtInt(s.base.rps)}): ` +
        `${rateMet ? 'met' : 'NOT met'}; p99 < ${aimP99Ms} ms -> ${fmtMs(x.p99)} ms: ${latencyMet ? 'met' : 'NOT met'}`,
    );
  };
  aim('start', s.start);
  aim('answer', s.answer);
  aim('answer-open', s.open);

  // --- For reference: the database work of an answer alone ---------------------------------------
  await parley.stop();
  const floor = await sqliteFloor(join(dataDir, 'parley.db'), duration);
  console.log(
    `\nSQLite alone (Parley stopped; its database file; this process, no HTTP): ${fmtInt(floor.rate)} answers/s, ` +
      `${fmt(floor.meanUs, 1)} µs each (${fmtInt(floor.count)} answers to ${fmtInt(floor.sessions)} of the run's sessions, ` +
      `p99 ${fmt(floor.p99Us, 1)} µs): the statements Parley runs for a rating answer, through prepared statements. ` +
      `No server running these statements, one transaction per answer, could answer faster on this machine; ` +
      `${(floor.rate / s.base.rps * 100).toFixed(1)}% of the baseline's rate.`,
  );
  const elapsed = performance.now() / 1000;
  console.log(`Elapsed: ${Math.floor(elapsed / 60)} min ${fmt(elapsed % 60, 0)} s in all (set-up and warm-up ${fmt(setupSeconds, 0)} s)`);
  console.log(resultLine('interview_start', { value: s.start.rps, unit: 'req/s', baseline: s.base.rps, ratio: ratio(s.start) }));
  console.log(resultLine('interview_answer', { value: s.answer.rps, unit: 'req/s', baseline: s.base.rps, ratio: ratio(s.answer) }));
  return 0;
}

/**
 * The SQL an answer costs, without HTTP, Kysely or anything else: on the run's own database file
 * (its sessions, its table sizes), with Parley's pragmas, for `seconds`, each answer being what
 * Parley runs for a rating answer when the participant's liveness is not due: read the session,
 * then in one transaction the compare-and-set update and the two utterances (question, answer).
 * Checkpoints are not timed, as they are not on Parley's main thread (a thread of its own does
 * them): one every 1,500 answers (some 8,000 pages of log) runs between two timed answers.
 */
async function sqliteFloor(file, seconds) {
  const Database = await importDependency('better-sqlite3');
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -65536');
    db.pragma('temp_store = memory');
    db.pragma('wal_autocheckpoint = 0');
    const ids = db
      .prepare("select id from sessions where status = 'in_progress' and step_index < total_questions - 20 order by random() limit 5000")
      .pluck()
      .all();
    if (ids.length === 0) throw new Error('SQLite floor: the run left no session to answer');
    const read = db.prepare('select * from "sessions" where "id" = ?');
    const update = db.prepare(
      'update "sessions" set "updated_at" = ?, "step_index" = ?, "follow_ups" = ?, "pending_follow_up" = ?, "step_shown_at" = ?, ' +
        '"questions_answered" = ?, "utterance_count" = ? where "id" = ? and "status" = ? and "step_index" = ? and "follow_ups" = ?',
    );
    const columns = '"id", "session_id", "seq", "speaker", "question_id", "kind", "text", "value", "start_ms", "end_ms", "sentiment", "keywords", "created_at"';
    const insert = db.prepare(`insert into "utterances" (${columns}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const begin = db.prepare('begin');
    const commit = db.prepare('commit');
    // Parley's own ids (time-ordered, so new rows append to the primary key as in Parley).
    const { newId } = await import(new URL('../server/dist/core/ids.js', import.meta.url).href);
    const utteranceId = () => newId('utt');
    const times = [];
    // The clock runs for `seconds` in all; the rate is over the answers' own time.
    const end = performance.now() + seconds * 1000;
    let n = 0;
    while (performance.now() < end) {
      const t0 = performance.now();
      const id = ids[n++ % ids.length];
      const session = read.get(id);
      const at = new Date().toISOString();
      const question = `q${session.step_index + 1}`;
      const value = (n % 10) + 1;
      begin.run();
      const changed = update.run(at, session.step_index + 1, 0, null, at, session.questions_answered + 1, session.utterance_count + 2, id, session.status, session.step_index, session.follow_ups);
      if (changed.changes !== 1) throw new Error(`SQLite floor: session ${id} did not change`);
      insert.run(
        utteranceId(), id, session.utterance_count + 1, 'ai', question, 'question', `On a scale of 1 to 10, how would you rate part ${session.step_index + 1} of your first week?`, null, 0, 0, null, null, at,
        utteranceId(), id, session.utterance_count + 2, 'participant', question, 'answer', String(value), JSON.stringify({ value }), 0, 1000, null, null, at,
      );
      commit.run();
      times.push(performance.now() - t0);
      // Untimed, as Parley's checkpoints are off its main thread: keeps the log about as short
      // as Parley keeps it (a longer log makes every read look further).
      if (n % 1500 === 0) db.pragma('wal_checkpoint(RESTART)');
    }
    const total = times.reduce((a, b) => a + b, 0);
    return { count: times.length, sessions: ids.length, rate: times.length / (total / 1000), meanUs: (total / times.length) * 1000, p99Us: percentile(times, 99) * 1000 };
  } finally {
    db.close();
  }
}

await runBenchmark('interview', main);
