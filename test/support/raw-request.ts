import { request } from 'node:http';

/** A response as read off the wire. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Sends a GET with headers exactly as given: names keep their case, and an array value goes out
 * as repeated header lines. `fetch` cannot do either (it lower-cases names and joins repeats).
 */
export function rawGet(
  url: string,
  path: string,
  headers: Record<string, string | string[]>,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method: 'GET' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.on('error', reject);
    req.end();
  });
}
