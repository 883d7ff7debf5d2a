import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../server/protocol/events.js';

/** The browser's end of the workshop protocol. */
export type WorkshopSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export function connect(): WorkshopSocket {
  return io({ transports: ['websocket', 'polling'], reconnectionDelayMax: 3_000 });
}
