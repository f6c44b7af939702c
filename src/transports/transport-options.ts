/**
 * The settings of WebSocket and graphql-ws connections: `AuthModule.forRoot({ connections })`.
 *
 * @example
 * const connections: ConnectionOptions = {
 *   trustedOrigins: ['https://app.example.com'],
 *   recheckIntervalSeconds: 5,
 * };
 */
export interface ConnectionOptions {
  /**
   * Origins (`scheme://host[:port]`) whose pages may open a WebSocket (or a graphql-ws
   * subscription) authenticated by a cookie, besides the application's own origin. Any other
   * page gets 403: that is cross-site WebSocket hijacking. Default: none.
   */
  trustedOrigins?: string[];
  /**
   * How often an open connection checks its credential again, in seconds, so a credential that
   * expires or is revoked on another instance ends it (close 4401) without waiting for a message.
   * A revocation published in this process ends its connections at once. Default: `3`.
   */
  recheckIntervalSeconds?: number;
}

/**
 * The settings of microservice handlers: `AuthModule.forRoot({ rpc })`.
 *
 * @example
 * const rpc: RpcOptions = { credentialField: '$auth' };
 */
export interface RpcOptions {
  /**
   * The field of a message's data that carries its credentials (`{ authorization: 'Bearer …' }`
   * or `{ 'x-api-key': '…' }`) on transports without headers (TCP, Redis, MQTT 3). The guard
   * takes it off the data before any pipe or handler sees it. Default: `'$auth'`.
   */
  credentialField?: string;
}
