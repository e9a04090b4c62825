// `npm run bench:invites`: invites at scale on SQLite, through the real HTTP API.
//   A) rows per second of a 100,000-row CSV import (POST …/invites/import), beside a raw
//      better-sqlite3 insert of the same rows into a database with Parley's schema, alternating
//      rounds, medians reported;
//   B) the latency of one page of pending invites (GET …/invites?status=pending&limit=20) once a
//      campaign holds 1,000,000 invites, beside a bare Fastify hello-world measured by the same
//      client on one keep-alive connection, alternating blocks.
// The servers are child processes; the HTTP client and the raw SQLite baseline run in this
// process. See bench/README.md for the knobs and how to read the two RESULT lines.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdir, stat } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  assertServerBuilt, benchDir, runBenchmark, envInt, formatTable, freePort, importDependency, median,
  otherCpuMeter, parleyBin, parleyEnv, percentile, requestJson, resultLine, runNode, startNode, tempDir, waitForOk,
} from './lib.mjs';

/** Filled from the environment in main(), so a bad value is reported like any other failure. */
const settings = {};

/** The aims: printed beside the figures, never a reason to fail the run. */
const importAimRowsPerSecond = 10_000;
const listAimP95Ms = 20;

/**
 * Rate limits are per key and per minute (10,000 at most on the enterprise plan). No key ever
 * carries more than `keyQuota` requests in its whole life, so no window can see it pass the limit.
 */
const rateLimitPerMinute = 10_000;
const keyQuota = 9_000;
/** Requests per target before the measured latency samples, not counted. */
const latencyWarmup = 50;
/** Cores busy with other programs during an import round from which the run prints a note. */
const otherLoadWarning = 0.25;
/** Upload chunk size: the CSV is streamed like a client sending a file, not handed over whole. */
const uploadChunkBytes = 64 * 1024;
/** Rows per transaction (and per prepared statement) of the raw SQLite baseline, as Parley does. */
const baselineBatch = 1000;

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n));
const fmtMs = (n) => fmt(n, 2);
const mb = (bytes) => `${fmt(bytes / (1024 * 1024), 0)} MB`;

// --- HTTP ------------------------------------------------------------------------------------

/**
 * One request through `agent`. Resolves with the status, the body and the milliseconds from the
 * moment the request is started (a body goes out from then on, in 64 KB chunks, following the
 * socket's back-pressure) until the last byte of the answer has arrived. Parsing and checking
 * the answer happen after the clock stops, the same for every target.
 */
function timedRequest(agent, url, { method = 'GET', headers = {}, body, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = http.request(url, {
      method,
      agent,
      headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const ms = performance.now() - start;
        resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8'), ms, reusedSocket: req.reusedSocket });
      });
    });
    if (!body) {
      req.end();
      return;
    }
    let at = 0;
    const pump = () => {
      while (at < body.length) {
        const chunk = body.subarray(at, at + uploadChunkBytes);
        at += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/**
 * API keys for every request of the run. The CLI's key (every permission) comes first; when a
 * key reaches its quota, its last request creates the next one (through POST /v1/api-keys).
 */
function createKeyPool(baseUrl, firstKey) {
  let current = { key: firstKey, used: 0 };
  let count = 1;
  return {
    async take() {
      if (current.used >= keyQuota - 1) {
        current.used++;
        const created = await requestJson('POST', `${baseUrl}/v1/api-keys`, {
          headers: { authorization: `Bearer ${current.key}` },
          expect: 201,
          body: { name: `bench-${count + 1}` },
        });
        current = { key: created.key, used: 0 };
        count++;
      }
      current.used++;
      return current.key;
    },
    get size() {
      return count;
    },
  };
}

// --- Data --------------------------------------------------------------------------------------

/** Row `i` of a run's data: the same for the CSV Parley reads and the rows the baseline writes. */
function person(prefix, i) {
  return { email: `${prefix}-${i}@example.com`, name: `Participant ${i}`, segment: `s${i % 10}`, row: String(i) };
}

/** A CSV of `rows` participants, `email,name,metadata`, with a header and unique addresses. */
function makeCsv(prefix, rows) {
  const lines = ['email,name,metadata'];
  for (let i = 0; i < rows; i++) {
    const p = person(prefix, i);
    lines.push(`${p.email},${p.name},segment=${p.segment};row=${p.row}`);
  }
  lines.push('');
  return Buffer.from(lines.join('\n'), 'utf8');
}

const base62Alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** An id shaped like Parley's (prefix, 8 base62 characters of time, 12 random ones). */
function baselineId(prefix, atMs, random) {
  let time = '';
  for (let v = atMs; time.length < 8; v = Math.floor(v / 62)) time = base62Alphabet[v % 62] + time;
  let tail = '';
  for (let i = 0; i < 12; i++) tail += base62Alphabet[random[i] % 62];
  return `${prefix}_${time}${tail}`;
}

const inviteColumns = [
  'id', 'organization_id', 'campaign_id', 'token_hash', 'token_encrypted', 'email', 'email_normalized', 'name',
  'metadata', 'status', 'email_status', 'email_template', 'reminder_days_before_expiry', 'expires_at', 'started_at',
  'completed_at', 'cancelled_at', 'last_sent_at', 'send_count', 'created_at', 'updated_at',
];

// --- Raw better-sqlite3 baseline ---------------------------------------------------------------

/**
 * The database `parley migrate` made, opened with better-sqlite3 and Parley's pragmas; foreign
 * keys stay on, so an organization, a script and its version are inserted first, and a
 * campaign per round (outside the timing).
 */
function openBaseline(Database, file) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = memory');
  db.pragma('wal_autocheckpoint = 10000');

  const now = new Date().toISOString();
  const id = (prefix) => baselineId(prefix, Date.now(), randomBytes(12));
  const organizationId = id('org');
  const scriptId = id('scr');
  const versionId = id('scv');
  db.prepare(
    `insert into organizations (id, name, plan, rate_limit_per_minute, logo, domain, settings, created_at, updated_at)
     values (?, 'Baseline', 'enterprise', ${rateLimitPerMinute}, null, null, '{}', ?, ?)`,
  ).run(organizationId, now, now);
  db.prepare(
    `insert into scripts (id, organization_id, project_id, name, description, status, latest_version, published_version, created_at, updated_at, deleted_at)
     values (?, ?, null, 'Bench', null, 'published', 1, 1, ?, ?, null)`,
  ).run(scriptId, organizationId, now, now);
  db.prepare(
    `insert into script_versions (id, script_id, organization_id, version, status, system_prompt, questions, settings, changelog, created_at, published_at)
     values (?, ?, ?, 1, 'published', 'You are an interviewer.', ?, '{}', null, ?, ?)`,
  ).run(versionId, scriptId, organizationId, JSON.stringify([{ id: 'q1', text: 'How was it?', type: 'open' }]), now, now);
  const insertCampaign = db.prepare(
    `insert into campaigns (id, organization_id, project_id, script_id, script_version_id, name, description, status, settings, invite_defaults, metadata, expires_at, created_at, updated_at)
     values (?, ?, null, ?, ?, ?, null, 'active', '{}', '{}', '{}', null, ?, ?)`,
  );

  const tuple = `(${inviteColumns.map(() => '?').join(',')})`;
  const statements = new Map();
  const insertStatement = (rows) => {
    let statement = statements.get(rows);
    if (!statement) {
      statement = db.prepare(`insert into invites (${inviteColumns.join(',')}) values ${Array(rows).fill(tuple).join(',')}`);
      statements.set(rows, statement);
    }
    return statement;
  };
  const insertChunk = db.transaction((params) => insertStatement(params.length / inviteColumns.length).run(params));
  const countInCampaign = db.prepare('select count(*) as n from invites where campaign_id = ?');

  return {
    addCampaign(name) {
      const campaignId = id('cam');
      const at = new Date().toISOString();
      insertCampaign.run(campaignId, organizationId, scriptId, versionId, name, at, at);
      return campaignId;
    },
    /**
     * Every value of `rows` invites, computed before the clock starts: one flat parameter array
     * per transaction of `baselineBatch` rows, in `inviteColumns` order.
     */
    prepare(prefix, rows, campaignId) {
      const startMs = Date.now();
      const chunks = [];
      // Per row: 32 bytes of token, 12 of id, then an IV, a tag and a body like Parley's AES-GCM copy.
      const stride = 32 + 12 + 12 + 16 + 32;
      const pool = randomBytes(stride * rows);
      for (let first = 0; first < rows; first += baselineBatch) {
        const count = Math.min(baselineBatch, rows - first);
        const at = new Date(startMs + first / baselineBatch).toISOString();
        const params = new Array(count * inviteColumns.length);
        let k = 0;
        for (let i = first; i < first + count; i++) {
          const bytes = pool.subarray(i * stride, (i + 1) * stride);
          const token = bytes.subarray(0, 32).toString('base64url');
          const p = person(prefix, i);
          params[k++] = baselineId('inv', startMs + first / baselineBatch, bytes.subarray(32, 44));
          params[k++] = organizationId;
          params[k++] = campaignId;
          params[k++] = createHash('sha256').update(token).digest('hex');
          params[k++] = `v1.${bytes.subarray(44, 56).toString('base64url')}.${bytes.subarray(56, 72).toString('base64url')}.${bytes.subarray(72, 104).toString('base64url')}`;
          params[k++] = p.email;
          params[k++] = p.email.toLowerCase();
          params[k++] = p.name;
          params[k++] = JSON.stringify({ segment: p.segment, row: p.row });
          params[k++] = 'pending';
          params[k++] = 'not_requested';
          params[k++] = null; // email_template
          params[k++] = null; // reminder_days_before_expiry
          params[k++] = null; // expires_at
          params[k++] = null; // started_at
          params[k++] = null; // completed_at
          params[k++] = null; // cancelled_at
          params[k++] = null; // last_sent_at
          params[k++] = 0; // send_count
          params[k++] = at;
          params[k++] = at;
        }
        chunks.push(params);
      }
      return chunks;
    },
    /** The timed part: one multi-row INSERT per transaction. */
    insert(chunks) {
      for (const params of chunks) insertChunk(params);
    },
    count: (campaignId) => countInCampaign.get(campaignId).n,
    close: () => db.close(),
  };
}

// --- Benchmark ---------------------------------------------------------------------------------

async function main(cleanup) {
  Object.assign(settings, {
    rounds: envInt('BENCH_ROUNDS', 3, { min: 1, max: 100 }),
    rows: envInt('BENCH_ROWS', 100_000, { min: 1000, max: 2_000_000 }),
    million: envInt('BENCH_MILLION', 1_000_000, { min: 20, max: 100_000_000 }),
    samples: envInt('BENCH_SAMPLES', 1000, { min: 2, max: 1_000_000 }),
  });
  assertServerBuilt();
  const Database = await importDependency('better-sqlite3');

  const root = await tempDir('parley-bench-invites-', cleanup);
  const dataDir = join(root, 'parley');
  const baselineDir = join(root, 'baseline');
  await Promise.all([mkdir(dataDir), mkdir(baselineDir)]);
  const secret = randomBytes(32).toString('base64url');
  const baseEnv = { PARLEY_SECRET: secret, LOG_LEVEL: 'warn' };

  // The first key comes from the CLI, as an operator would make it; the baseline's database is
  // made by the same migrations, in its own directory.
  const [cliOut] = await Promise.all([
    runNode(
      [parleyBin, 'api-keys', 'create', '--org', 'Bench', '--plan', 'enterprise', '--rate-limit', String(rateLimitPerMinute)],
      { env: parleyEnv({ ...baseEnv, DATA_DIR: dataDir }) },
    ),
    runNode([parleyBin, 'migrate'], { env: parleyEnv({ ...baseEnv, DATA_DIR: baselineDir }) }),
  ]);
  const adminKey = cliOut.trim().split('\n').at(-1).trim();
  if (!/^prl_\S+$/.test(adminKey)) throw new Error(`unexpected output from parley api-keys create:\n${cliOut}`);

  const [parleyPort, helloPort] = [await freePort(), await freePort()];
  const parleyUrl = `http://127.0.0.1:${parleyPort}`;
  const helloUrl = `http://127.0.0.1:${helloPort}`;
  // Room for the largest CSV the settings make (about 60 bytes a row), never below the default.
  const importMaxBytes = Math.max(256 * 1024 * 1024, settings.rows * 200);
  const parley = startNode('Parley server', [parleyBin, 'serve', '--role', 'api'], {
    env: parleyEnv({
      ...baseEnv,
      DATA_DIR: dataDir,
      PORT: String(parleyPort),
      HOST: '127.0.0.1',
      PUBLIC_URL: parleyUrl,
      IMPORT_MAX_BYTES: String(importMaxBytes),
    }),
    cleanup,
  });
  const hello = startNode('baseline server', [join(benchDir, 'baseline-hello.mjs')], {
    env: { ...process.env, PORT: String(helloPort), HOST: '127.0.0.1' },
    cleanup,
  });
  await Promise.all([waitForOk(`${parleyUrl}/health`, parley), waitForOk(helloUrl, hello)]);

  const baseline = openBaseline(Database, join(baselineDir, 'parley.db'));
  cleanup.add(() => baseline.close());
  try {
    const pids = [process.pid, parley.child.pid, hello.child.pid];
    return await benchmark({ parley, parleyUrl, helloUrl, adminKey, baseline, pids, dataDir });
  } catch (error) {
    error.message += `\n--- Parley server output ---\n${parley.output || '(none)'}`;
    throw error;
  }
}

async function benchmark({ parley, parleyUrl, helloUrl, adminKey, baseline, pids, dataDir }) {
  const started = performance.now();
  const { rounds, rows, million, samples } = settings;
  const pool = createKeyPool(parleyUrl, adminKey);
  const api = async (method, path, body, expect = 200) =>
    requestJson(method, `${parleyUrl}${path}`, { headers: { authorization: `Bearer ${await pool.take()}` }, body, expect });

  const script = await api('POST', '/v1/scripts', {
    name: 'Bench',
    systemPrompt: 'You are an interviewer.',
    questions: [{ id: 'q1', text: 'How was it?', type: 'open' }],
  }, 201);
  await api('POST', `/v1/scripts/${script.id}/publish`);
  const newCampaign = async (name) => (await api('POST', '/v1/campaigns', { name, scriptId: script.id }, 201)).id;

  // A new connection per import: the upload takes seconds, so its set-up is nothing beside it.
  const importAgent = new http.Agent({ keepAlive: false });
  /** Imports a pre-built CSV into a campaign; checks the report; returns seconds and rows/s. */
  const importCsv = async (campaignId, csv, expected) => {
    const key = await pool.take();
    const res = await timedRequest(importAgent, `${parleyUrl}/v1/campaigns/${campaignId}/invites/import?sendEmail=false`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      body: csv,
    });
    if (res.status !== 200) throw new Error(`import into ${campaignId}: expected 200, got ${res.status}: ${res.text.slice(0, 2000)}`);
    const report = JSON.parse(res.text);
    if (report.completed !== true || report.created !== expected || report.total !== expected) {
      const { rows: listed, ...rest } = report;
      throw new Error(
        `import into ${campaignId}: expected completed=true and created=${expected}, got ${JSON.stringify(rest)}; ` +
          `first rows: ${JSON.stringify((listed ?? []).slice(0, 5))}`,
      );
    }
    return { seconds: res.ms / 1000, rate: expected / (res.ms / 1000) };
  };

  console.log('Parley invites benchmark (SQLite): CSV import rate, and one page of pending invites at scale');
  console.log(
    `node ${process.version}, ${availableParallelism()} CPU(s) (${cpus()[0]?.model?.trim() ?? 'unknown'}); ` +
      `${rows.toLocaleString('en-US')} rows per import, ${rounds} alternating round(s), ` +
      `${million.toLocaleString('en-US')} invites for part B, ${samples} latency samples per target`,
  );

  // --- A: import rate ---------------------------------------------------------------------------
  console.log('');
  console.log(`A) Import of ${rows.toLocaleString('en-US')} CSV rows: Parley (POST /v1/campaigns/{id}/invites/import, a new campaign each round)`);
  console.log('   vs raw better-sqlite3 (the same rows, multi-row INSERT of 1,000 per transaction, same schema and pragmas)');
  console.log('');
  const widths = [6, 9, 9, 8, 9, 10];
  const line = (cells) => cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' ');
  console.log(line(['round', 'target', 'rows', 'seconds', 'rows/s', 'other CPU']));
  console.log(widths.map((w) => '-'.repeat(w)).join(' '));
  const results = [];
  const show = (r) => console.log(line([r.round, r.target, r.rows, fmt(r.seconds, 3), fmt(r.rate), r.otherCores === undefined ? '?' : fmt(r.otherCores, 2)]));
  for (let round = 1; round <= rounds; round++) {
    {
      const campaignId = await newCampaign(`Import round ${round}`);
      const csv = makeCsv(`p${round}`, rows);
      const otherCpu = otherCpuMeter(pids, cpus().length);
      const r = await importCsv(campaignId, csv, rows);
      const result = { round, target: 'parley', rows, ...r, otherCores: otherCpu() };
      results.push(result);
      show(result);
    }
    {
      const campaignId = baseline.addCampaign(`Import round ${round}`);
      const chunks = baseline.prepare(`p${round}`, rows, campaignId);
      const otherCpu = otherCpuMeter(pids, cpus().length);
      const start = performance.now();
      baseline.insert(chunks);
      const seconds = (performance.now() - start) / 1000;
      const otherCores = otherCpu();
      const stored = baseline.count(campaignId);
      if (stored !== rows) throw new Error(`baseline round ${round}: ${stored} rows stored, expected ${rows}`);
      const result = { round, target: 'baseline', rows, seconds, rate: rows / seconds, otherCores };
      results.push(result);
      show(result);
    }
  }
  baseline.close();

  const parleyRate = Math.round(median(results.filter((r) => r.target === 'parley').map((r) => r.rate)));
  const rawRate = Math.round(median(results.filter((r) => r.target === 'baseline').map((r) => r.rate)));
  console.log('');
  console.log(`Medians over ${rounds} round(s):`);
  console.log(
    formatTable([
      ['target', 'rows/s', 'seconds per import'],
      ['Parley CSV import over HTTP', parleyRate, fmt(median(results.filter((r) => r.target === 'parley').map((r) => r.seconds)), 3)],
      ['raw better-sqlite3 INSERT', rawRate, fmt(median(results.filter((r) => r.target === 'baseline').map((r) => r.seconds)), 3)],
    ]),
  );
  console.log(`Parley / baseline: ${(parleyRate / rawRate).toFixed(3)}`);
  const busyRounds = results.filter((r) => r.otherCores !== undefined && r.otherCores >= otherLoadWarning);
  if (busyRounds.length > 0) {
    console.log(
      `Note: other programs kept ${otherLoadWarning}+ CPU cores busy in ${busyRounds.length} of ${results.length} rounds ` +
        '(column "other CPU"); rerun on a quiet machine for a comparable figure.',
    );
  }
  const importAimMet = parleyRate >= importAimRowsPerSecond;
  console.log(
    `Aim: import at least ${fmtInt(importAimRowsPerSecond)} rows/s -> ${fmtInt(parleyRate)} rows/s: ${importAimMet ? 'met' : 'NOT met'}`,
  );

  // --- B: one campaign with a million invites ----------------------------------------------------
  console.log('');
  console.log(`B) Filling one campaign with ${million.toLocaleString('en-US')} invites (imports of up to ${rows.toLocaleString('en-US')} rows)`);
  const bigCampaign = await newCampaign('One million');
  const imports = Math.ceil(million / rows);
  const fillRates = [];
  let filled = 0;
  for (let n = 1; filled < million; n++) {
    const size = Math.min(rows, million - filled);
    const csv = makeCsv(`m${n}`, size);
    const r = await importCsv(bigCampaign, csv, size);
    filled += size;
    fillRates.push(r.rate);
    console.log(
      `  import ${String(n).padStart(String(imports).length)}/${imports}: ${fmtInt(size)} rows in ${fmt(r.seconds, 2)} s ` +
        `(${fmtInt(r.rate)} rows/s); campaign now ${fmtInt(filled)} invites`,
    );
  }
  const dbBytes = await Promise.all(['parley.db', 'parley.db-wal'].map((f) => stat(join(dataDir, f)).then((s) => s.size, () => 0)));
  console.log(
    `  median of these imports: ${fmtInt(median(fillRates))} rows/s (not part of A's figure, which alternates with its baseline); ` +
      `Parley's database now ${mb(dbBytes[0])} + ${mb(dbBytes[1])} WAL`,
  );
  const campaign = await api('GET', `/v1/campaigns/${bigCampaign}`);
  if (campaign.stats?.totalInvites !== million || campaign.stats?.invitesByStatus?.pending !== million) {
    throw new Error(`GET /v1/campaigns/${bigCampaign}: expected ${million} pending invites, got stats ${JSON.stringify(campaign.stats)}`);
  }

  // --- B: latency -----------------------------------------------------------------------------------
  const pageSize = Math.min(20, million);
  const checkPage = (wantStatus) => (res) => {
    if (res.status !== 200) return `HTTP ${res.status}: ${res.text.slice(0, 500)}`;
    const body = JSON.parse(res.text);
    if (!Array.isArray(body.data) || body.data.length !== pageSize) return `expected ${pageSize} items, got ${body.data?.length}`;
    if (body.pagination?.total !== million) return `expected pagination.total ${million}, got ${body.pagination?.total}`;
    if (wantStatus && body.data.some((invite) => invite.status !== wantStatus)) return `an item is not ${wantStatus}`;
    return undefined;
  };
  const dummyKey = `prl_${'x'.repeat(adminKey.length - 4)}`;
  const target = (name, url, headers, check) => ({ name, url, headers, check, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), ms: [], connections: 0 });
  const parleyAuth = async () => ({ authorization: `Bearer ${await pool.take()}` });
  const listTarget = target(
    'Parley GET /v1/campaigns/{id}/invites?status=pending&limit=20',
    `${parleyUrl}/v1/campaigns/${bigCampaign}/invites?status=pending&limit=20`,
    parleyAuth,
    checkPage('pending'),
  );
  const helloTarget = target('bare Fastify GET /', `${helloUrl}/`, async () => ({ authorization: `Bearer ${dummyKey}` }), (res) =>
    res.status === 200 && res.text === '{"hello":"world"}' ? undefined : `HTTP ${res.status}: ${res.text.slice(0, 200)}`,
  );
  const campaignTarget = target(
    'Parley GET /v1/campaigns/{id} (with its stats)',
    `${parleyUrl}/v1/campaigns/${bigCampaign}`,
    parleyAuth,
    (res) => {
      if (res.status !== 200) return `HTTP ${res.status}: ${res.text.slice(0, 500)}`;
      const total = JSON.parse(res.text).stats?.totalInvites;
      return total === million ? undefined : `expected stats.totalInvites ${million}, got ${total}`;
    },
  );
  const unfilteredTarget = target(
    'Parley GET /v1/campaigns/{id}/invites?limit=20',
    `${parleyUrl}/v1/campaigns/${bigCampaign}/invites?limit=20`,
    parleyAuth,
    checkPage(undefined),
  );

  /** `count` sequential requests on the target's one keep-alive connection; `keep` adds them to its samples. */
  const runBlock = async (t, count, keep) => {
    const block = [];
    for (let i = 0; i < count; i++) {
      const headers = await t.headers();
      const res = await timedRequest(t.agent, t.url, { headers, timeoutMs: 30_000 });
      if (!res.reusedSocket) t.connections++;
      const problem = t.check(res);
      if (problem) throw new Error(`${t.name}: request ${i + 1} of a block: ${problem}`);
      block.push(res.ms);
    }
    if (keep) t.ms.push(...block);
    return block;
  };

  console.log('');
  console.log(
    `   Latency at ${million.toLocaleString('en-US')} invites: ${samples} sequential requests per target on one keep-alive connection, ` +
      `after ${latencyWarmup} of warm-up, in alternating blocks`,
  );
  console.log('');
  const bw = [8, 9, 9, 8, 8, 8, 8];
  const bline = (cells) => cells.map((c, i) => (i < 2 ? String(c).padEnd(bw[i]) : String(c).padStart(bw[i]))).join(' ');
  console.log(bline(['block', 'target', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms']));
  console.log(bw.map((w) => '-'.repeat(w)).join(' '));
  const showBlock = (label, name, ms) =>
    console.log(bline([label, name, ms.length, fmtMs(percentile(ms, 50)), fmtMs(percentile(ms, 95)), fmtMs(percentile(ms, 99)), fmtMs(Math.max(...ms))]));
  showBlock('warm-up', 'parley', await runBlock(listTarget, latencyWarmup, false));
  showBlock('warm-up', 'baseline', await runBlock(helloTarget, latencyWarmup, false));
  const blocks = samples >= 4 ? 2 : 1;
  for (let b = 0; b < blocks; b++) {
    const count = Math.floor(samples / blocks) + (b < samples % blocks ? 1 : 0);
    showBlock(String(b + 1), 'parley', await runBlock(listTarget, count, true));
    showBlock(String(b + 1), 'baseline', await runBlock(helloTarget, count, true));
  }
  // The other two reads, for reference (not alternated, not part of the RESULT).
  const otherSamples = Math.max(20, Math.round(samples / 5));
  for (const t of [campaignTarget, unfilteredTarget]) {
    await runBlock(t, Math.min(latencyWarmup, 20), false);
    await runBlock(t, otherSamples, true);
  }

  const summaryRow = (t) => [
    t.name, t.ms.length, t.connections, fmtMs(percentile(t.ms, 50)), fmtMs(percentile(t.ms, 95)), fmtMs(percentile(t.ms, 99)),
  ];
  console.log('');
  console.log(`Over all measured requests (warm-up excluded), at ${million.toLocaleString('en-US')} invites:`);
  console.log(
    formatTable([
      ['target', 'requests', 'connections', 'p50 ms', 'p95 ms', 'p99 ms'],
      summaryRow(listTarget),
      summaryRow(helloTarget),
      summaryRow(campaignTarget),
      summaryRow(unfilteredTarget),
    ]),
  );
  const listP95 = Number(percentile(listTarget.ms, 95).toFixed(3));
  const helloP95 = Number(percentile(helloTarget.ms, 95).toFixed(3));
  console.log(`Parley / baseline (p95): ${(listP95 / helloP95).toFixed(3)}   (API keys used: ${pool.size}, at most ${keyQuota} requests each)`);
  const listAimMet = listP95 < listAimP95Ms;
  console.log(
    `Aim: one page of pending invites at ${fmtInt(million)} invites, p95 under ${listAimP95Ms} ms -> ${fmtMs(listP95)} ms: ${listAimMet ? 'met' : 'NOT met'}`,
  );

  const serverOutput = parley.output.trim();
  if (serverOutput) {
    console.log('\nParley server output (LOG_LEVEL=warn, last lines):');
    console.log(serverOutput.split('\n').slice(-20).join('\n'));
  }

  console.log('');
  console.log(`Aims: import >= ${fmtInt(importAimRowsPerSecond)} rows/s ${importAimMet ? 'met' : 'NOT met'}; page p95 < ${listAimP95Ms} ms ${listAimMet ? 'met' : 'NOT met'}`);
  // performance.now() counts from the start of this process: set-up included.
  const elapsed = performance.now() / 1000;
  console.log(`Elapsed: ${Math.floor(elapsed / 60)} min ${fmt(elapsed % 60, 0)} s in all (${fmt((performance.now() - started) / 1000, 0)} s after set-up)`);
  console.log(resultLine('invites_import', { value: parleyRate, unit: 'rows/s', baseline: rawRate, ratio: parleyRate / rawRate }));
  console.log(resultLine('invites_list_p95', { value: listP95, unit: 'ms', baseline: helloP95, ratio: listP95 / helloP95 }));
  return 0;
}

await runBenchmark('invites', main);
