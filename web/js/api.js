// The one way the pages talk to the API: JSON in and out, same-origin cookies,
// and every failure as an ApiError carrying the API's `{code, message, field}` (and anything
// else the error body says, such as `already_posted`'s `post_id`, in `details`; a refusal's
// `Retry-After` header, when it has one, in `retryAfter`).

export class ApiError extends Error {
  constructor(status, { code = 'unknown', message, field = null, ...details } = {}) {
    super(message || `Request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.details = details;
  }
}

export async function api(method, path, body) {
  const init = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, { code: 'network_error', message: 'Could not reach the server. Check your connection and try again.' });
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new ApiError(response.status, data && typeof data === 'object' ? data : undefined);
    error.retryAfter = response.headers.get('Retry-After');
    throw error;
  }
  return data;
}

/**
 * `{logged_in, user: {id, username, role} | null, registration}`: `role` is 'user', 'moderator'
 * or 'admin'; `registration` is 'open', 'invite' (sign-up needs an invitation code) or 'closed'.
 */
export function getSession() {
  return api('GET', '/api/session');
}
