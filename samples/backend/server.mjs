// The sample app's own server, standing in for yours: it holds FunctionsMfa's secret key, creates a sign-in for the
// user id typed on the page (a real app does this after its password check: POST /v1/sign_ins with the secret key),
// and serves the SPA (samples/spa) and the client (clients/js/src). Node, no framework, no dependencies.
//
//   MFA_API_URL=http://127.0.0.1:7071 MFA_SECRET_KEY=sk_… node samples/backend/server.mjs
//
// Settings: MFA_API_URL (the service), MFA_SECRET_KEY (else read from ./local.settings.json, as ./build.sh run makes
// it), SAMPLE_HOST (127.0.0.1), SAMPLE_PORT (5173). The browser calls the API directly, from this origin: allow it
// in the Functions host's CORS (--cors, Host.CORS; ./build.sh run adds it). Nothing secret is logged: no key, code or token.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const apiUrl = (process.env.MFA_API_URL ?? 'http://127.0.0.1:7071').replace(/\/+$/, '');
const host = process.env.SAMPLE_HOST ?? '127.0.0.1';
const port = Number(process.env.SAMPLE_PORT ?? 5173);
const secretKey = process.env.MFA_SECRET_KEY || secretKeyFromLocalSettings();
if (!secretKey) {
  console.error('sample backend: no secret key (set MFA_SECRET_KEY, or run ./build.sh run once to create local.settings.json)');
  process.exit(1);
}

// URL prefix → folder. Anything else is a 404.
const mounts = [
  ['/client/', join(root, 'clients', 'js', 'src')],
  ['/', join(root, 'samples', 'spa')],
];
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.ts': 'text/plain; charset=utf-8' };

const server = createServer(async (request, response) => {
  try {
    const url = new URL(request.url ?? '/', 'http://sample');
    if (url.pathname === '/api/config' && request.method === 'GET') {
      return json(response, 200, { apiUrl });
    }
    if (url.pathname === '/api/sign_in' && request.method === 'POST') {
      return await signIn(request, response);
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      return await serveFile(url.pathname, response);
    }
    json(response, 405, { error: 'method not allowed' });
  } catch (error) {
    console.error('sample backend: request failed:', error instanceof Error ? error.message : error);
    if (!response.headersSent) {
      json(response, 502, { error: 'the sample backend could not reach FunctionsMfa' });
    }
  }
});

/**
 * "The password was right": create the sign-in and hand the browser what it needs. The client token is for this
 * sign-in only; the secret key never leaves this process. A user without a second factor is signed in at once.
 */
async function signIn(request, response) {
  let userId;
  try {
    ({ userId } = JSON.parse(await readBody(request) || '{}'));
  } catch {
    return json(response, 400, { error: 'send {"userId": "…"} as JSON' });
  }
  const answer = await fetch(`${apiUrl}/v1/sign_ins`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${secretKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: userId }),
  });
  const body = await answer.json();
  if (!answer.ok) {
    // The service's error envelope as it is: the page shows its long message.
    return json(response, answer.status, body);
  }
  json(response, 200, {
    signInId: body.id,
    status: body.status,
    clientToken: body.client_token,
    sessionToken: body.session_token ?? null,
  });
}

async function serveFile(pathname, response) {
  const [prefix, folder] = mounts.find(([p]) => pathname.startsWith(p));
  let relative = decodeURIComponent(pathname.slice(prefix.length));
  if (relative === '' || relative.endsWith('/')) {
    relative += 'index.html';
  }
  const file = normalize(join(folder, relative));
  if (!file.startsWith(folder + sep) || !existsSync(file) || !(await stat(file)).isFile()) {
    return json(response, 404, { error: 'not found' });
  }
  response.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
  response.end(await readFile(file));
}

function json(response, status, body) {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}

async function readBody(request) {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > 16384) {
      throw new Error('request body too large');
    }
  }
  return text;
}

function secretKeyFromLocalSettings() {
  const path = join(root, 'local.settings.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')).Values?.Mfa__SecretKeys__0 : undefined;
}

server.listen(port, host, () => {
  console.log(`sample app on http://${host}:${server.address().port}/ (API ${apiUrl})`);
});
