// A minimal SPA for the second step of a sign-in. The app's backend created the sign-in (POST /v1/sign_ins) after the
// password and handed this page the sign-in id and its client token. The page talks to FunctionsMfa directly, with
// form bodies and the `_method` tunnel, as Clerk's browser SDK does.
const params = new URLSearchParams(location.hash.slice(1));
const api = params.get('api');
const signInId = params.get('sign_in');
const clientToken = params.get('client_token');
const $ = (id) => document.getElementById(id);

async function call(path, token, form) {
  const response = await fetch(api + path, {
    method: form ? 'POST' : 'GET',
    headers: { Authorization: 'Bearer ' + token },
    body: form ? new URLSearchParams(form) : undefined,
  });
  const body = await response.json();
  if (!response.ok) {
    throw new Error(body.errors?.[0]?.long_message ?? ('HTTP ' + response.status));
  }
  return body;
}

async function load() {
  const signIn = await call(`/v1/client/sign_ins/${signInId}`, clientToken);
  $('status').textContent = `Sign-in ${signIn.status.replaceAll('_', ' ')}`;
  for (const factor of signIn.supported_second_factors) {
    const option = document.createElement('option');
    option.value = factor.strategy;
    option.textContent = factor.safe_identifier ? `${factor.strategy} (${factor.safe_identifier})` : factor.strategy;
    $('strategy').append(option);
  }
  $('attempt').hidden = signIn.status !== 'needs_second_factor';
}

$('attempt').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('error').textContent = '';
  try {
    const signIn = await call(`/v1/client/sign_ins/${signInId}/attempt_second_factor`, clientToken,
      { strategy: $('strategy').value, code: $('code').value });
    $('status').textContent = `Sign-in ${signIn.status}`;
    const me = await call('/v1/me', signIn.session_token);
    $('attempt').hidden = true;
    $('done').hidden = false;
    $('done').textContent = `Signed in as ${me.id}; authenticator app ${me.totp_enabled ? 'on' : 'off'}`;
  } catch (error) {
    $('error').textContent = error.message;
  }
});

load().catch((error) => { $('error').textContent = error.message; });
