import * as http from 'node:http';

/** HTTP status of a GET, or undefined when nothing answers (refused, reset, timed out). */
export function httpStatus(url: string, timeoutMs = 1_000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: timeoutMs }, (response) => {
      response.resume(); // drain so the socket is released
      resolve(response.statusCode);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}
