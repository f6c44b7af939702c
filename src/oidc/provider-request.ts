import { withTimeout } from '../core/dependency-call.js';
import { providerUrlProblem } from './provider-url.js';

/** A provider's answer is refused past this size: documents and key sets are a few KiB. */
export const MAX_RESPONSE_BYTES = 512 * 1024;

/** One request to an identity provider. */
export interface ProviderRequest {
  /** What is asked, for messages: `discovery of https://…`. */
  readonly what: string;
  readonly url: string;
  readonly timeoutMs: number;
  /** A form-encoded POST (introspection); a GET without it. */
  readonly form?: URLSearchParams;
  readonly authorization?: string;
}

/**
 * Fetches a JSON document from an identity provider: HTTPS (or plain HTTP on loopback) checked
 * again for URLs a document named, no redirects followed (one could lead off HTTPS), status 200
 * only, at most {@link MAX_RESPONSE_BYTES}, and the whole exchange bounded by `timeoutMs`
 * (the request is aborted past it). Rejects with an `Error` saying what failed; the callers
 * decide whether that is an outage (503) or a configuration mistake.
 */
export async function requestJson(request: ProviderRequest): Promise<unknown> {
  const problem = providerUrlProblem(request.url);
  if (problem !== undefined) throw new Error(`${request.what}: the URL ${problem}`);
  const controller = new AbortController();
  try {
    return await withTimeout(exchange(request, controller.signal), request.timeoutMs, request.what);
  } catch (error) {
    controller.abort();
    throw error instanceof Error && error.message.startsWith(request.what)
      ? error
      : new Error(`${request.what} failed: ${(error as Error)?.message ?? String(error)}`, {
          cause: error,
        });
  }
}

async function exchange(request: ProviderRequest, signal: AbortSignal): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.authorization !== undefined) headers.authorization = request.authorization;
  const response = await fetch(request.url, {
    method: request.form === undefined ? 'GET' : 'POST',
    headers,
    body: request.form,
    redirect: 'error',
    signal,
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`${request.what} answered HTTP ${response.status}`);
  }
  const text = await readLimited(response, request.what);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${request.what} answered something that is not JSON`);
  }
}

async function readLimited(response: Response, what: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw new Error(`${what} answered ${declared} bytes, more than ${MAX_RESPONSE_BYTES}`);
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw new Error(`${what} answered more than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
