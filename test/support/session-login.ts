import { expect } from 'vitest';
import type { CookieJar } from './cookie-jar.js';
import { body, GENERIC_BODIES, type HeaderMap, type HttpClient } from './http.js';

/** What `POST /auth/login` of the session test app answers. */
export interface SessionLogin {
  id: string;
  csrf_token: string;
  /** The session's public handle. */
  session: string;
}

/**
 * `POST /auth/login` on a session test app (test/apps/session.app.ts), whose users' passwords are
 * `<username>-pass`, as the browser `jar` when given. Returns the response as it is: callers
 * assert 200, 503 or anything else.
 */
export function postLogin(
  app: HttpClient,
  username = 'alice',
  options: { headers?: HeaderMap; jar?: CookieJar } = {},
): Promise<Response> {
  return app.send('/auth/login', {
    method: 'POST',
    json: { username, password: `${username}-pass` },
    ...options,
  });
}

/** Logs `username` in as the browser `jar`; expects 200 and returns the answer. */
export async function sessionLogin(
  app: HttpClient,
  jar: CookieJar,
  username = 'alice',
  headers: HeaderMap = {},
): Promise<SessionLogin> {
  const res = await postLogin(app, username, { jar, headers });
  expect(res.status).toBe(200);
  return (await res.json()) as SessionLogin;
}

/**
 * Expects the session test app, its session store down, to fail closed with the generic 503: on
 * a protected and a public route for the session `cookie`, and on a login.
 */
export async function expectSessionStoreDown(app: HttpClient, cookie: string): Promise<void> {
  for (const path of ['/me', '/public/whoami']) {
    const down = await app.get(path, { cookie });
    expect(down.status).toBe(503);
    expect(await body(down)).toEqual(GENERIC_BODIES[503]);
  }
  const loginDown = await postLogin(app, 'bob');
  expect(loginDown.status).toBe(503);
  expect(await body(loginDown)).toEqual(GENERIC_BODIES[503]);
}
