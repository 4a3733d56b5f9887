/**
 * The bare baseline of the fan-out benchmark, one process per instance (as a gateway instance
 * is): a plain Socket.IO 4 server with the Redis adapter and nothing else. A socket joins the
 * room named in its handshake; `chat.send` (with an ack) emits a `chat.message` shaped like the
 * gateway's to the room, sender included, and acks `{ ok: true, data: { messageId, at } }`.
 *
 *   BASELINE_REDIS_URL=redis://… BASELINE_ADAPTER_KEY=… node run-ts.js bench/baseline-server.ts
 *
 * Prints `{"port":…}` on its first line once it listens; exits when its stdin closes.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

/** As the gateway sizes it: SIGNALING_MAX_BYTES plus framing slack. */
const MAX_HTTP_BUFFER_SIZE = 64 * 1024 + 16 * 1024;

function main(): void {
  const redisUrl = process.env['BASELINE_REDIS_URL'];
  const key = process.env['BASELINE_ADAPTER_KEY'];
  if (!redisUrl || !key)
    throw new Error('BASELINE_REDIS_URL and BASELINE_ADAPTER_KEY are required');
  const pub = new Redis(redisUrl);
  const sub = new Redis(redisUrl);
  const http = createServer();
  const io = new Server(http, {
    path: '/socket.io',
    transports: ['websocket', 'polling'],
    serveClient: false,
    maxHttpBufferSize: MAX_HTTP_BUFFER_SIZE,
    cors: { origin: '*' },
    adapter: createAdapter(pub, sub, { key }),
  });
  io.on('connection', (socket) => {
    const auth = socket.handshake.auth as Record<string, unknown>;
    const room = String(auth['room'] ?? 'room');
    const userId = String(auth['userId'] ?? 'user');
    const displayName = String(auth['displayName'] ?? userId);
    const participantId = `p_${randomBytes(8).toString('hex')}`;
    void socket.join(room);
    socket.on('chat.send', (payload: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const text = (payload as { text?: unknown } | null)?.text;
      if (typeof text !== 'string') {
        ack({ ok: false, error: { code: 'INVALID_ARGUMENT', message: 'text' } });
        return;
      }
      const messageId = `m_${randomBytes(12).toString('hex')}`;
      const at = Date.now();
      io.to(room).emit('chat.message', {
        messageId,
        participantId,
        userId,
        displayName,
        text: text.trim(),
        at,
      });
      ack({ ok: true, data: { messageId, at } });
    });
  });
  http.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (http.address() as AddressInfo).port })}\n`);
  });
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
}

main();
