import type { RunningApp } from './http-app.js';

/**
 * `POST /auth/login` on a session test app (test/apps/session.app.ts), whose users' passwords are
 * `<username>-pass`. Returns the response as it is: callers assert 200, 503 or anything else.
 */
export function postLogin(
  app: RunningApp,
  username = 'alice',
  headers: Record<string, string> = {},
): Promise<Response> {
  return app.request('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username, password: `${username}-pass` }),
  });
}
