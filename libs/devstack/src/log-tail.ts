import * as fs from 'node:fs';

/** The last `count` lines of a log file, for error messages; never throws. */
export function readLogTail(file: string, count = 20): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return `(no log at ${file})`;
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-count).join('\n');
}
