// Start-up and warm-latency benchmark of the FunctionsMfa handler: the Native AOT binary beside the same app on the JIT.
// Usage: node bench/startup.mjs <aot-executable> <jit-executable>   (env: BENCH_RUNS, default 15; BENCH_WRK_SECONDS, default 5)
// Prints markdown to stdout; progress to stderr. Needs nothing but Node 20 (and wrk, if installed, for warm latency).
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const [aot, jit] = process.argv.slice(2);
if (!aot || !jit) {
  console.error('usage: node bench/startup.mjs <aot-executable> <jit-executable>');
  process.exit(2);
}

const runs = Number(process.env.BENCH_RUNS ?? 15);
const wrkSeconds = Number(process.env.BENCH_WRK_SECONDS ?? 5);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const log = (...args) => console.error('[bench]', ...args);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('connect', () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}

// One raw HTTP/1.1 request; true when the status line says 200.
function probe(port) {
  return new Promise((resolve) => {
    let data = '';
    let done = false;
    const finish = (ok) => { if (!done) { done = true; socket.destroy(); resolve(ok); } };
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    socket.on('data', (chunk) => {
      data += chunk;
      if (data.includes('\r\n')) finish(data.startsWith('HTTP/1.1 200'));
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(data.startsWith('HTTP/1.1 200')));
  });
}

// Azurite from the repository's pinned npm package, in memory, on free ports (unless BENCH_STORAGE is given).
async function startAzurite() {
  if (process.env.BENCH_STORAGE) return { connection: process.env.BENCH_STORAGE, stop() {} };
  const script = path.join(repo, 'node_modules', 'azurite', 'dist', 'src', 'azurite.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run npm ci (./build.sh test does).`);
  const [blob, queue, table] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [script, '--silent', '--inMemoryPersistence', '--skipApiVersionCheck', '--loose',
    '--blobHost', '127.0.0.1', '--blobPort', blob, '--queueHost', '127.0.0.1', '--queuePort', queue,
    '--tableHost', '127.0.0.1', '--tablePort', table].map(String), { stdio: 'ignore' });
  for (let i = 0; i < 300 && !(await listening(table) && await listening(queue)); i++) await sleep(100);
  const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
  return {
    connection: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};` +
      `BlobEndpoint=http://127.0.0.1:${blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:${queue}/devstoreaccount1;` +
      `TableEndpoint=http://127.0.0.1:${table}/devstoreaccount1;`,
    stop() { child.kill('SIGKILL'); },
  };
}

// Fresh development keys, generated like LocalDevelopment.GenerateKeys (never committed).
function developmentKeys() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  return {
    Mfa__SecretKeys__0: 'sk_bench_' + randomBytes(20).toString('hex'),
    Mfa__Sessions__SigningKeys__0: 'bench1:' + pkcs8,
    Mfa__Encryption__Keys__0: 'bench1:' + randomBytes(32).toString('base64'),
    Mfa__Encryption__HashKey: randomBytes(32).toString('base64'),
  };
}

function start(executable, port, env, cwd) {
  return spawn(executable, ['--urls', `http://127.0.0.1:${port}`], { env, cwd, stdio: 'ignore' });
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

// Wall time from exec to the first 200 on /health, polling every millisecond.
async function timeToFirst200(executable, env, cwd) {
  const port = await freePort();
  const t0 = performance.now();
  const child = start(executable, port, env, cwd);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${executable} exited with ${child.exitCode} before answering`);
      if (await probe(port)) return performance.now() - t0;
      if (performance.now() - t0 > 60_000) throw new Error(`${executable} did not answer within 60 s`);
      await sleep(1);
    }
  } finally {
    await stop(child);
  }
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return { median, p90: at(0.9), min: sorted[0], max: sorted[sorted.length - 1] };
}

function wrk(args, env) {
  const result = spawnSync('wrk', args, { encoding: 'utf8', env });
  if (result.error || result.status !== 0) return null;
  const out = result.stdout;
  const pick = (re) => (out.match(re) ?? [])[1];
  return {
    rps: Number(pick(/Requests\/sec:\s+([\d.]+)/)),
    p50: pick(/\s50%\s+([\d.]+\w+)/),
    p99: pick(/\s99%\s+([\d.]+\w+)/),
    non2xx: Number(pick(/Non-2xx or 3xx responses:\s+(\d+)/) ?? 0),
    requests: Number(pick(/(\d+) requests in/)),
  };
}

async function warmLatency(label, executable, env, cwd) {
  const port = await freePort();
  const child = start(executable, port, env, cwd);
  try {
    while (!(await probe(port))) await sleep(5);
    const base = `http://127.0.0.1:${port}`;
    const lua = path.join(cwd, 'signin.lua');
    writeFileSync(lua, [
      'wrk.method = "POST"',
      'wrk.body = \'{"user_id":"bench_user_without_factors"}\'',
      'wrk.headers["Content-Type"] = "application/json"',
      `wrk.headers["Authorization"] = "Bearer ${env.Mfa__SecretKeys__0}"`,
    ].join('\n'));
    // Warm up: JIT tiers and storage tables, so both builds are measured warm.
    wrk(['-t1', '-c4', '-d2s', base + '/health'], env);
    wrk(['-t1', '-c4', '-d2s', '-s', lua, base + '/v1/sign_ins'], env);
    const rows = [];
    for (const [route, extra] of [['GET /health', []], ['POST /v1/sign_ins', ['-s', lua]]]) {
      const url = base + (route.endsWith('health') ? '/health' : '/v1/sign_ins');
      const serial = wrk(['-t1', '-c1', `-d${wrkSeconds}s`, '--latency', ...extra, url], env);
      const loaded = wrk(['-t2', '-c16', `-d${wrkSeconds}s`, '--latency', ...extra, url], env);
      rows.push({ label, route, serial, loaded });
    }
    return rows;
  } finally {
    await stop(child);
  }
}

// The published binaries must actually work before their speed means anything (reflection that Native AOT lacks fails
// only at run time): one sign-in, read back, /v1/me, the JWKS, the OpenAPI document and a 404 in the envelope.
async function smoke(label, executable, env, cwd) {
  const port = await freePort();
  const child = start(executable, port, env, cwd);
  try {
    while (!(await probe(port))) {
      if (child.exitCode !== null) throw new Error(`${label}: exited with ${child.exitCode}`);
      await sleep(5);
    }
    const base = `http://127.0.0.1:${port}`;
    const backend = { Authorization: `Bearer ${env.Mfa__SecretKeys__0}`, 'Content-Type': 'application/json' };
    const created = await fetch(base + '/v1/sign_ins', { method: 'POST', headers: backend, body: JSON.stringify({ user_id: 'bench_smoke_user' }) });
    if (created.status !== 200) throw new Error(`${label}: POST /v1/sign_ins answered ${created.status}: ${await created.text()}`);
    const signIn = await created.json();
    const read = await fetch(`${base}/v1/sign_ins/${signIn.id}`, { headers: backend });
    if (read.status !== 200) throw new Error(`${label}: GET /v1/sign_ins/{id} answered ${read.status}`);
    const me = await fetch(base + '/v1/me', { headers: { Authorization: `Bearer ${signIn.session_token}` } });
    if (me.status !== 200) throw new Error(`${label}: GET /v1/me answered ${me.status}`);
    for (const [route, status] of [['/.well-known/jwks.json', 200], ['/openapi/v1.json', 200], ['/v1/no_such_route', 404]]) {
      const response = await fetch(base + route);
      const body = await response.text();
      if (response.status !== status) throw new Error(`${label}: GET ${route} answered ${response.status}: ${body.slice(0, 200)}`);
    }
    log(`${label}: smoke test passed (sign-in, read back, /v1/me, JWKS, OpenAPI, 404 envelope)`);
  } finally {
    await stop(child);
  }
}

const azurite = await startAzurite();
const cwd = mkdtempSync(path.join(os.tmpdir(), 'mfa-bench-'));
try {
  const env = {
    PATH: process.env.PATH, HOME: process.env.HOME ?? cwd,
    DOTNET_ROOT: process.env.DOTNET_ROOT ?? '', DOTNET_CLI_TELEMETRY_OPTOUT: '1',
    ASPNETCORE_ENVIRONMENT: 'Production', Logging__LogLevel__Default: 'Warning',
    AzureWebJobsStorage: azurite.connection, Mfa__Queues__Enabled: 'false',
    ...developmentKeys(),
  };
  if (!env.DOTNET_ROOT) delete env.DOTNET_ROOT;

  await smoke('Native AOT', aot, env, cwd);
  await smoke('JIT', jit, env, cwd);

  // One discarded run each puts the files in the page cache; then the two builds alternate so noise hits both alike.
  log('warm-up runs');
  await timeToFirst200(aot, env, cwd);
  await timeToFirst200(jit, env, cwd);
  const times = { aot: [], jit: [] };
  for (let i = 0; i < runs; i++) {
    times.aot.push(await timeToFirst200(aot, env, cwd));
    times.jit.push(await timeToFirst200(jit, env, cwd));
    log(`run ${i + 1}/${runs}: aot ${times.aot.at(-1).toFixed(1)} ms, jit ${times.jit.at(-1).toFixed(1)} ms`);
  }

  const a = stats(times.aot);
  const j = stats(times.jit);
  const f = (v) => v.toFixed(1);
  const out = [];
  out.push(`### Start-up: exec to first 200 on GET /health (${runs} runs each, ms)`, '');
  out.push('| build | median | p90 | min | max |', '|---|---:|---:|---:|---:|');
  out.push(`| Native AOT | ${f(a.median)} | ${f(a.p90)} | ${f(a.min)} | ${f(a.max)} |`);
  out.push(`| JIT | ${f(j.median)} | ${f(j.p90)} | ${f(j.min)} | ${f(j.max)} |`);
  out.push('', `JIT/AOT ratio of the medians: **${(j.median / a.median).toFixed(1)}×**`, '');
  out.push(`Raw AOT: ${times.aot.map(f).join(', ')}`, '', `Raw JIT: ${times.jit.map(f).join(', ')}`, '');

  if (spawnSync('wrk', ['--version']).error) {
    out.push('### Warm latency', '', 'wrk is not installed (apt-get install wrk); skipped.', '');
  } else {
    log('warm latency with wrk');
    const rows = [...await warmLatency('Native AOT', aot, env, cwd), ...await warmLatency('JIT', jit, env, cwd)];
    out.push(`### Warm latency (wrk, ${wrkSeconds} s per row, after a 2 s warm-up; Azurite in memory on the same machine)`, '');
    out.push('| build | route | 1 connection: p50 | p99 | req/s | 16 connections: p50 | p99 | req/s | non-2xx |');
    out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const { label, route, serial, loaded } of rows) {
      const c = (r, k) => (r ? r[k] : 'n/a');
      out.push(`| ${label} | ${route} | ${c(serial, 'p50')} | ${c(serial, 'p99')} | ${serial ? serial.rps.toFixed(0) : 'n/a'} | ` +
        `${c(loaded, 'p50')} | ${c(loaded, 'p99')} | ${loaded ? loaded.rps.toFixed(0) : 'n/a'} | ${(serial?.non2xx ?? 0) + (loaded?.non2xx ?? 0)} |`);
    }
    out.push('');
  }

  console.log(out.join('\n'));
} finally {
  azurite.stop();
  rmSync(cwd, { recursive: true, force: true });
}
