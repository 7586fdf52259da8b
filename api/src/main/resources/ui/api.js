// The REST calls of the dashboard. The API key lives in this tab's sessionStorage only and goes
// out as a bearer token; it is never put in a URL, a log line or the page.
const KEY = 'biostream.apiKey';

export function storedKey() {
  return sessionStorage.getItem(KEY);
}

export function storeKey(key) {
  sessionStorage.setItem(KEY, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY);
}

/** An answer the API refused: status, the error code of its JSON body and its message. */
export class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Calls the API with the stored key; resolves to the JSON body, rejects with an ApiFailure. */
export async function call(method, path, body, contentType) {
  const headers = {};
  const key = storedKey();
  if (key) {
    headers.Authorization = 'Bearer ' + key;
  }
  if (contentType) {
    headers['Content-Type'] = contentType;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    throw new ApiFailure(0, 'unreachable', 'the API did not answer');
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (!response.ok) {
    const code = json && json.error ? json.error : 'http_' + response.status;
    const message = json && json.message ? json.message : response.statusText;
    throw new ApiFailure(response.status, code, message);
  }
  return json;
}

/** A short line for a failure, with the 401 said plainly. */
export function describe(failure) {
  if (failure.status === 401) {
    return '401: the API key was refused (wrong, revoked or expired). Sign in again with a valid key.';
  }
  if (failure.status === 403) {
    return '403: this key lacks the role for that (' + failure.message + ')';
  }
  return (failure.status ? failure.status + ' ' : '') + failure.code + ': ' + failure.message;
}
