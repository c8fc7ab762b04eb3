/**
 * Where the server's logs go: readable lines on an interactive terminal
 * (pino-pretty, in-process and synchronous, so nothing is lost at exit), and
 * pino's JSON lines, one per event, for files, pipes and log collectors.
 */
import type { DestinationStream } from 'pino';
import pretty from 'pino-pretty';

/** `undefined`: pino's own JSON on stdout */
export function logDestination(out: { isTTY?: boolean; write(chunk: string): unknown } & NodeJS.WritableStream = process.stdout): DestinationStream | undefined {
  if (!out.isTTY) return undefined;
  return pretty({
    destination: out,
    sync: true,
    colorize: true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss',
    // the process is obvious on a terminal; request ids and timings stay
    ignore: 'pid,hostname',
  });
}
