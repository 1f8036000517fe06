import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got: its headers and exact body. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP server on 127.0.0.1 that records what it receives and answers the status codes it is told to. */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Status codes of the next answers, in order; after them, 200. */
  answerNext(...statusCodes: number[]): void;
  close(): Promise<void>;
}

/** Starts a receiver. */
export async function startWebhookReceiver(path = '/hooks/bulwark'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = answers.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answerNext: (...codes) => answers.push(...codes),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
