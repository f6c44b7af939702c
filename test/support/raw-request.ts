import { request } from 'node:http';

/** A response as read off the wire. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Sends a request with headers exactly as given: names keep their case, an array value goes out
 * as repeated header lines, and `Host` is sent as written. `fetch` can do none of these (it
 * lower-cases names, joins repeats and sets `Host` itself).
 */
export function rawRequest(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method: options.method ?? 'GET' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    for (const [name, value] of Object.entries(options.headers ?? {})) req.setHeader(name, value);
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A GET through {@link rawRequest}. */
export function rawGet(
  url: string,
  path: string,
  headers: Record<string, string | string[]>,
): Promise<RawResponse> {
  return rawRequest(url, path, { headers });
}
