// Verifies a FunctionsMfa session token the way a relying party that never saw our code would: fetch the JWKS over
// HTTP, pick the key by the token's `kid`, check the ES256 signature with Node's own crypto, then the expiry.
// Usage: node verify-jwt.mjs <base-url> <token>
// Prints one JSON line: {"valid":true,"kid":…,"header":…,"payload":…} (exit 0) or {"valid":false,"reason":…} (exit 1).
import { createPublicKey, verify } from 'node:crypto';

const [baseUrl, token] = process.argv.slice(2);

function fail(reason) {
  console.log(JSON.stringify({ valid: false, reason }));
  process.exit(1);
}

if (!baseUrl || !token) fail('usage: verify-jwt.mjs <base-url> <token>');

const parts = token.split('.');
if (parts.length !== 3) fail('not a compact JWS');
const [encodedHeader, encodedPayload, encodedSignature] = parts;

let header;
let payload;
try {
  header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8'));
  payload = JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8'));
} catch {
  fail('header or payload is not JSON');
}

// Never let the token choose a weaker algorithm.
if (header.alg !== 'ES256') fail(`unexpected alg ${header.alg}`);

const response = await fetch(new URL('/.well-known/jwks.json', baseUrl));
if (response.status !== 200) fail(`JWKS answered ${response.status}`);
const jwks = await response.json();
const jwk = (jwks.keys ?? []).find((k) => k.kid === header.kid);
if (!jwk) fail(`no key with kid ${header.kid} in the JWKS`);
if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') fail('JWKS key is not an EC P-256 key');
if ('d' in jwk) fail('the JWKS publishes a private key');

const key = createPublicKey({ key: jwk, format: 'jwk' });
const signature = Buffer.from(encodedSignature, 'base64url');
const signed = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii');
// JWS ES256 signatures are the raw r||s pair (IEEE P1363), not DER.
if (signature.length !== 64 || !verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature)) {
  fail('signature does not verify');
}

const now = Math.floor(Date.now() / 1000);
if (typeof payload.exp !== 'number' || payload.exp <= now) fail('expired');

console.log(JSON.stringify({ valid: true, kid: header.kid, header, payload }));
