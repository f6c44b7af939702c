/**
 * nestjs-gatehouse/ws: the `ws` WebSocket adapter with authenticated upgrades. Needs
 * `@nestjs/platform-ws` (and `@nestjs/websockets`).
 */
export { GatehouseWsAdapter } from './connections/gatehouse-ws.adapter.js';
