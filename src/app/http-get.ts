/**
 * One GET for the release feed and firmware downloads: the browser's fetch
 * (or one passed in), with an unreachable server or an error status as a
 * typed DownloadError, and a cancel passed through as itself.
 * @module
 */
import { DownloadError } from './download-errors.ts';

export interface GetOptions {
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
  /** `no-store` where a cached copy could hide a newer one (the feed). */
  readonly cache?: RequestCache;
}

export async function httpGet(url: string, o: GetOptions = {}): Promise<Response> {
  const get = o.fetch ?? globalThis.fetch.bind(globalThis);
  let response: Response;
  try {
    response = await get(url, {
      ...(o.cache ? { cache: o.cache } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (error) {
    if (o.signal?.aborted) throw error;
    throw new DownloadError(url, null, { cause: error });
  }
  if (!response.ok) throw new DownloadError(url, response.status);
  return response;
}
