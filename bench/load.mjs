// The bench's load generator: an HTTP/1.1 client on keep-alive connections, TOTP codes computed here (RFC 6238), and a
// runner that keeps N requests in flight until a request budget or a time limit is reached, whichever comes first.
// It only ever talks to 127.0.0.1: any other host is refused, so a mistyped URL cannot load someone else's server.
// No npm packages: node:http and node:crypto only.
import http from 'node:http';
import { createHmac } from 'node:crypto';

/** An API client bound to one base URL on 127.0.0.1, with a keep-alive agent of `sockets` connections. */
export function apiClient(baseUrl, { sockets = 1 } = {}) {
  const base = new URL(baseUrl);
  if (base.hostname !== '127.0.0.1' || base.protocol !== 'http:') {
    throw new Error(`the load generator sends only to http://127.0.0.1, not ${base.origin}`);
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });

  /** One request; resolves { status, body (parsed JSON or null), ms } and never throws for HTTP statuses. */
  function request(method, path, { token, json } = {}) {
    const payload = json === undefined ? null : Buffer.from(JSON.stringify(json));
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    } else if (method !== 'GET') {
      headers['Content-Length'] = 0;
    }
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request({ host: '127.0.0.1', port: base.port, method, path, headers, agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - t0;
          const text = Buffer.concat(chunks).toString('utf8');
          let body = null;
          try { body = text ? JSON.parse(text) : null; } catch { body = null; }
          resolve({ status: res.statusCode, body, ms });
        });
        res.on('error', reject);
      });
      // A request that hangs is an error, not a stalled bench.
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  return { request, close: () => agent.destroy() };
}

// RFC 4648 base32 (the TOTP secret's encoding), without padding.
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error('not base32');
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The 30-second step of a Unix time in milliseconds (the service's defaults: 30 s, 6 digits, SHA1). */
export const totpStep = (ms = Date.now()) => Math.floor(ms / 1000 / 30);

/** RFC 6238 TOTP (HMAC-SHA1, 6 digits) of one step. */
export function totpCode(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(binary % 1_000_000).padStart(6, '0');
}

/**
 * Runs `task(i)` with `concurrency` tasks in flight until `budget` tasks have started or `seconds` have passed. A task
 * resolves its latency in ms (or throws / returns { error }); returns completions, errors and the elapsed wall time.
 */
export async function runBounded({ concurrency, budget, seconds, task }) {
  const deadline = performance.now() + seconds * 1000;
  const latencies = [];
  const errors = [];
  let next = 0;
  const t0 = performance.now();
  async function lane() {
    while (next < budget && performance.now() < deadline) {
      const i = next++;
      try {
        const result = await task(i);
        if (result && result.error) errors.push(result.error);
        else latencies.push(result);
      } catch (e) {
        errors.push(String(e.message ?? e));
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsed = (performance.now() - t0) / 1000;
  return { latencies, errors, elapsed, completed: latencies.length };
}

/** Percentile by the nearest-rank method; the median of an even count is the mean of the middle two. */
export function percentile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  if (q === 0.5) {
    const m = sorted.length >> 1;
    return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
