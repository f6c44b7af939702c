/**
 * nestjs-gatehouse/socket.io: the socket.io adapter with authenticated connections. Needs
 * `@nestjs/platform-socket.io` (and `@nestjs/websockets`).
 */
export { GatehouseIoAdapter } from './connections/gatehouse-io.adapter.js';
