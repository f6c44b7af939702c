/**
 * One way a backend's credential travels, as an OpenAPI 3 security scheme: the subset of the
 * Security Scheme Object that describes a credential, spelled out here so that core needs no
 * OpenAPI package. `nestjs-gatehouse/swagger` copies it into `components.securitySchemes`.
 */
export type SecuritySchemeDescription =
  | {
      /** A scheme of the `Authorization` header, for example `bearer`. */
      readonly type: 'http';
      readonly scheme: string;
      readonly bearerFormat?: string;
      readonly description?: string;
    }
  | {
      /** A credential in a named header, query parameter or cookie. */
      readonly type: 'apiKey';
      readonly in: 'header' | 'query' | 'cookie';
      readonly name: string;
      readonly description?: string;
    }
  | {
      /** An OpenID Connect provider, found through its discovery document. */
      readonly type: 'openIdConnect';
      readonly openIdConnectUrl: string;
      readonly description?: string;
    }
  | {
      /** OAuth 2 flows, as the OpenAPI `flows` object. */
      readonly type: 'oauth2';
      readonly flows: Readonly<Record<string, unknown>>;
      readonly description?: string;
    };

/**
 * The schemes of one backend, keyed by the name each gets in the document. Each entry is an
 * alternative: a request that carries any one of them is authenticated by the backend.
 */
export type SecuritySchemes = Readonly<Record<string, SecuritySchemeDescription>>;
