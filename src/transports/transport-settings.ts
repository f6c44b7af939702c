import type { Provider } from '@nestjs/common';
import { OptionsReader, settingsProvider } from '../core/options-reader.js';
import { readTrustedOrigins } from '../http/csrf.js';
import type { ConnectionOptions, RpcOptions } from './transport-options.js';

const CONNECTION_KEYS: readonly (keyof ConnectionOptions)[] = [
  'trustedOrigins',
  'recheckIntervalSeconds',
];
const RPC_KEYS: readonly (keyof RpcOptions)[] = ['credentialField'];

/** The `connections` and `rpc` options, checked at bootstrap. Internal. */
export class TransportSettings {
  /** Normalised origins whose pages may open cookie-authenticated connections. */
  readonly trustedOrigins: ReadonlySet<string>;
  readonly recheckIntervalMs: number;
  readonly rpcCredentialField: string;

  constructor(connections: ConnectionOptions | undefined, rpc: RpcOptions | undefined) {
    const reader = OptionsReader.of('connections', connections, CONNECTION_KEYS);
    this.trustedOrigins = readTrustedOrigins(reader, 'trustedOrigins');
    this.recheckIntervalMs = reader.durationMs('recheckIntervalSeconds', 3, 1, 3600);
    this.rpcCredentialField = OptionsReader.of('rpc', rpc, RPC_KEYS).string(
      'credentialField',
      '$auth',
      {
        pattern: /^[A-Za-z0-9_$.-]{1,64}$/,
        problem: 'must be 1-64 letters, digits, "_", "$", "." or "-"',
        fix: "use a name no message field has, such as '$auth' (the default)",
      },
    );
  }
}

/** Provides {@link TransportSettings} from the module options. */
export const transportSettingsProvider: Provider = settingsProvider(
  TransportSettings,
  (options: { connections?: ConnectionOptions; rpc?: RpcOptions }) =>
    new TransportSettings(options.connections, options.rpc),
);
