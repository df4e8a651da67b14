// The service's fixed per-request overhead beside its storage floor (not part of ./build.sh bench):
//   node bench/overhead.mjs [--n 500] [--rounds 2] [--c16 2000] [ROOT …]
// Each ROOT is a checkout whose Release build bench/serve.sh starts (default: this one; build each first with
// ROOT/bench/serve.sh --build). One private in-memory Azurite on free ports serves every variant; for each round,
// each ROOT in turn gets a fresh service, one user with a session, and at c=1 on one keep-alive connection N rounds of
// GET /health (no storage), GET /v1/me (one partition query) and the same partition query sent straight to Azurite
// (SharedKeyLite, node:http: the raw floor), interleaved so noise hits all three alike. Then GET /health and
// GET /v1/me at c=16 (requests/s), and the CPU time the service's processes (host, worker) and Azurite spent per
// request in each phase, from /proc. Prints one table. 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiClient, percentile, runBounded } from './load.mjs';

const here = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const [value] = argv.splice(i, 2).slice(1);
  return Number(value);
};
const n = option('--n', 500);
const rounds = option('--rounds', 2);
const c16 = option('--c16', 2000);
// A ROOT may carry environment for its service only: ROOT@NAME=value,NAME=value (to compare settings).
const roots = (argv.length ? argv : [here]).map((spec) => {
  const [root, vars = ''] = spec.split('@');
  const extra = Object.fromEntries(vars.split(',').filter(Boolean).map((kv) => kv.split('=')));
  return { root: path.resolve(root), extra, label: path.basename(path.resolve(root)) + (vars ? `@${vars}` : '') };
});
const scratch = mkdtempSync(path.join(os.tmpdir(), 'mfa-overhead-'));
const groups = new Set();
const killGroups = () => { for (const pid of groups) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } } groups.clear(); };
process.on('exit', () => { killGroups(); rmSync(scratch, { recursive: true, force: true }); });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

const freePort = () => new Promise((resolve, reject) => {
  const server = net.createServer();
  server.on('error', reject);
  server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
});
const listening = (port) => new Promise((resolve) => {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('connect', () => { socket.destroy(); resolve(true); });
  socket.on('error', () => resolve(false));
});

function startGroup(command, args, env) {
  const child = spawn(command, args, { env, cwd: scratch, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  groups.add(child.pid);
  let stderr = '';
  child.stderr.on('data', (c) => { stderr = (stderr + c).slice(-4000); });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    await exited;
    groups.delete(child.pid);
  };
  return { child, stop, stderr: () => stderr };
}

// CPU seconds (user + system) of every process in a process group, by command name (dotnet host, dotnet worker, node).
function groupCpu(pgid) {
  const ticks = 100;
  const byPid = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const role = cmd.includes('LocalHost.dll') ? 'host' : cmd.includes('FunctionsMfa.Functions') ? 'worker' : 'other';
      byPid[role] = (byPid[role] ?? 0) + (Number(fields[11]) + Number(fields[12])) / ticks;
    } catch { /* exited */ }
  }
  return byPid;
}

// ---- Azurite ----
const accountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const azuriteScript = path.join(here, 'node_modules', 'azurite', 'dist', 'src', 'azurite.js');
if (!existsSync(azuriteScript)) throw new Error(`${azuriteScript} is missing: run npm ci`);
const [blob, queue, table] = [await freePort(), await freePort(), await freePort()];
const azurite = startGroup(process.execPath, [azuriteScript, '--silent', '--disableTelemetry', '--inMemoryPersistence', '--skipApiVersionCheck', '--loose',
  '--blobHost', '127.0.0.1', '--blobPort', blob, '--queueHost', '127.0.0.1', '--queuePort', queue,
  '--tableHost', '127.0.0.1', '--tablePort', table].map(String), process.env);
for (let i = 0; i < 300 && !(await listening(table) && await listening(queue)); i++) await sleep(100);
const connection = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${accountKey};` +
  `BlobEndpoint=http://127.0.0.1:${blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:${queue}/devstoreaccount1;` +
  `TableEndpoint=http://127.0.0.1:${table}/devstoreaccount1;`;

// The raw floor: the partition query Azure.Data.Tables sends for a user's rows, signed with SharedKeyLite.
const tableAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function rawQuery(partition) {
  const resource = '/devstoreaccount1/mfausers()';
  const filter = encodeURIComponent(`PartitionKey eq '${partition}'`);
  const date = new Date().toUTCString();
  const signature = createHmac('sha256', Buffer.from(accountKey, 'base64')).update(`${date}\n/devstoreaccount1${resource}`).digest('base64');
  const headers = {
    'x-ms-date': date, 'x-ms-version': '2019-02-02', Accept: 'application/json;odata=minimalmetadata',
    DataServiceVersion: '3.0', Authorization: `SharedKeyLite devstoreaccount1:${signature}`,
  };
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request({ host: '127.0.0.1', port: table, path: `${resource}?$filter=${filter}`, headers, agent: tableAgent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString());
        if (res.statusCode !== 200 || body.value.length === 0) reject(new Error(`raw query: ${res.statusCode}`));
        resolve({ status: 200, ms: performance.now() - t0 });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

// ---- the service ----
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keys = {
  Mfa__SecretKeys__0: 'sk_bench_' + randomBytes(20).toString('hex'),
  Mfa__Sessions__SigningKeys__0: 'bench1:' + privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
  Mfa__Encryption__Keys__0: 'bench1:' + randomBytes(32).toString('base64'),
  Mfa__Encryption__HashKey: randomBytes(32).toString('base64'),
};
const env = {
  PATH: process.env.PATH, HOME: process.env.HOME ?? scratch, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1',
  ASPNETCORE_ENVIRONMENT: 'Production', Logging__LogLevel__Default: 'Warning', AzureWebJobsStorage: connection,
  Mfa__Sms__Provider: 'File', Mfa__Sms__FilePath: path.join(scratch, 'sms.jsonl'), ...keys,
  ...(process.env.DOTNET_ROOT ? { DOTNET_ROOT: process.env.DOTNET_ROOT } : {}),
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('DOTNET_') || k.startsWith('OVERHEAD_'))),
};

async function startService({ root, extra }) {
  const port = await freePort();
  const service = startGroup(path.join(root, 'bench', 'serve.sh'), [String(port)], { ...env, ...extra });
  const api = apiClient(`http://127.0.0.1:${port}`, { sockets: 16 });
  const t0 = performance.now();
  for (;;) {
    if (service.child.exitCode !== null) throw new Error(`serve.sh exited: ${service.stderr()}`);
    if (performance.now() - t0 > 60_000) throw new Error('no GET /health within 60 s');
    try { if ((await api.request('GET', '/health')).status === 200) break; } catch { /* not yet */ }
    await sleep(20);
  }
  return { ...service, api };
}

const ms = (v) => v.toFixed(2);
async function measure(root) {
  const service = await startService(root);
  const { api } = service;
  const user = 'ovh_' + randomBytes(8).toString('hex');
  const signIn = await api.request('POST', '/v1/sign_ins', { token: keys.Mfa__SecretKeys__0, json: { user_id: user } });
  if (signIn.status !== 200) throw new Error(`sign-in: ${signIn.status}`);
  const token = signIn.body.session_token;
  const kinds = {
    health: () => api.request('GET', '/health'),
    me: () => api.request('GET', '/v1/me', { token }),
    raw: () => rawQuery(user),
  };
  const times = { health: [], me: [], raw: [] };
  const cpu = {};
  const warm = 300;
  for (let i = 0; i < warm + n; i++) {
    for (const [kind, send] of Object.entries(kinds)) {
      const r = await send();
      if (r.status !== 200) throw new Error(`${kind}: HTTP ${r.status}`);
      if (i >= warm) times[kind].push(r.ms);
    }
  }
  // CPU per request, phase by phase, after the warm-up.
  for (const kind of ['health', 'me']) {
    const before = groupCpu(service.child.pid);
    const azBefore = groupCpu(azurite.child.pid).other ?? 0;
    const t0 = performance.now();
    const result = await runBounded({ concurrency: 16, budget: c16, seconds: 60, task: async () => {
      const r = await kinds[kind]();
      return r.status === 200 ? r.ms : { error: r.status };
    } });
    const wall = (performance.now() - t0) / 1000;
    const after = groupCpu(service.child.pid);
    const azAfter = groupCpu(azurite.child.pid).other ?? 0;
    if (result.errors.length) throw new Error(`${kind} c=16: ${result.errors.length} errors`);
    cpu[kind] = {
      rps: result.completed / wall,
      host: ((after.host ?? 0) - (before.host ?? 0)) * 1000 / result.completed,
      worker: ((after.worker ?? 0) - (before.worker ?? 0)) * 1000 / result.completed,
      azurite: (azAfter - azBefore) * 1000 / result.completed,
    };
  }
  api.close();
  await service.stop();
  return { times, cpu };
}

const rows = [];
for (let round = 1; round <= rounds; round++) {
  for (const root of roots) {
    const { times, cpu } = await measure(root);
    const p = (kind, q) => percentile(times[kind], q);
    rows.push([root.label, round, ms(p('raw', 0.5)), ms(p('raw', 0.99)), ms(p('health', 0.5)), ms(p('health', 0.99)),
      ms(p('me', 0.5)), ms(p('me', 0.99)), (p('me', 0.5) / p('raw', 0.5)).toFixed(2) + '×', ms(p('me', 0.5) - p('raw', 0.5)),
      cpu.health.rps.toFixed(0), cpu.me.rps.toFixed(0),
      `${ms(cpu.health.host)}/${ms(cpu.health.worker)}`, `${ms(cpu.me.host)}/${ms(cpu.me.worker)}/${ms(cpu.me.azurite)}`]);
    console.error(`[overhead] ${rows.at(-1).join(' | ')}`);
  }
}
await azurite.stop();
const header = ['tree', 'round', 'raw p50', 'raw p99', 'health p50', 'health p99', 'me p50', 'me p99', 'me/raw', 'me−raw',
  'health rps c16', 'me rps c16', 'health CPU ms/req host/worker', 'me CPU ms/req host/worker/azurite'];
console.log(`c=1: ${n} of each, interleaved, after 300 warm-up; c=16: ${c16} requests; ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---:').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
