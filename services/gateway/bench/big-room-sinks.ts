import { type Socket, createSocket } from 'node:dgram';

/** Packets and bytes one sink received so far (RTP and RTCP together: what reaches a client). */
export interface SinkCount {
  packets: number;
  bytes: number;
}

/**
 * One UDP socket on loopback per receiving participant: the far end of its SRTP PlainTransport.
 * It counts what arrives and drops it (no decryption, no decoding): the cheapest receiver that
 * still makes the SFU do everything it does for a real one (SRTP encryption, sending).
 */
export class UdpSink {
  readonly #count: SinkCount = { packets: 0, bytes: 0 };

  private constructor(private readonly socket: Socket) {
    socket.on('message', (packet) => {
      this.#count.packets++;
      this.#count.bytes += packet.length;
    });
  }

  static async open(): Promise<UdpSink> {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpSink(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  snapshot(): SinkCount {
    return { ...this.#count };
  }

  close(): void {
    this.socket.close();
  }
}
