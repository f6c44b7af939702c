import { sanitizeDetail, type AuthReasonCode } from './auth-reason.js';
import type { BaseUser } from './base-user.js';

/** A backend recognised the caller. */
export interface AuthSuccess {
  readonly success: true;
  /** The name of the backend that succeeded; it becomes `request.auth`. */
  readonly backend: string;
  /** The identity to pass to `UserModel.loadUser`. */
  readonly identity: string;
  /**
   * Verified claims of the credential (for example a JWT payload). Informational: permissions
   * never come from here.
   */
  readonly claims?: Readonly<Record<string, unknown>>;
  /**
   * The scopes the credential carries. When present, they narrow the user's permissions:
   * effective = user's permissions ∩ scopes. An empty array grants nothing.
   */
  readonly scopes?: readonly string[];
  /** Whether the credential came straight from a credential check (a fresh login). */
  readonly fresh?: boolean;
  /** When the credential was issued, in ms since the epoch (for freshness windows). */
  readonly issuedAt?: number;
  /** An opaque id of the credential (token `jti`, API key id, session id), for audit events. */
  readonly credentialId?: string;
  /**
   * Who vouches for the identity, when an outside issuer does: the verified `iss` of an identity
   * provider's token (`OidcBackend`). The same identity from two issuers may be two people, so a
   * `UserModel` links accounts by issuer and identity together.
   */
  readonly issuer?: string;
  /**
   * Roles the issuer asserts for the caller (an identity provider's roles claim). Informational,
   * like `claims`: the guard grants from the loaded user's roles only. `ClaimsUserModel` copies
   * them onto its users; your `UserModel` may use them to provision an account.
   */
  readonly roles?: readonly string[];
  /**
   * A user the backend already loaded. When set, the guard skips `UserModel.loadUser`.
   * Meant for backends whose credential carries the whole user (and for the testing helpers).
   */
  readonly user?: BaseUser;
}

/** A backend did not recognise the caller. */
export interface AuthFailure {
  readonly success: false;
  readonly backend: string;
  /** `true` when the request carried no credential for this backend at all. */
  readonly missing: boolean;
  /** Why, as a stable code (for example `JWT_EXPIRED`), for logs and auth events only. */
  readonly reason: AuthReasonCode;
  /**
   * What exactly, where it helps (for example `expected "at+jwt", received "refresh+jwt"`).
   * Free of secrets and control characters, and short. Never sent to the client either.
   */
  readonly detail?: string;
  /**
   * The credential itself was valid but this request must be refused with 403, for example a
   * cookie-authenticated write without its CSRF token. On a `@Public()` route the request simply
   * stays anonymous.
   */
  readonly forbidden?: boolean;
  /**
   * For a forbidden failure: the user whose valid credential it was, and the credential's opaque
   * id, so the guard's one audit event of the refusal names them.
   */
  readonly identity?: string;
  readonly credentialId?: string;
}

/** What {@link AuthBackend.authenticate} returns. */
export type AuthResult = AuthSuccess | AuthFailure;

/** Builders for {@link AuthResult} values. */
export const AuthResults = {
  /** A success for `identity` from `backend`. */
  success(
    backend: string,
    identity: string,
    extra: Omit<Partial<AuthSuccess>, 'success'> = {},
  ): AuthSuccess {
    // Field by field, not `{ ...extra }`: every success then has one object shape, whichever
    // backend built it, and V8 keeps the guard's property reads on its fast path. The spread
    // cost about 1 µs per request on Node 20 (`npm run bench:guard`).
    return {
      success: true,
      backend,
      identity,
      claims: extra.claims,
      scopes: extra.scopes,
      fresh: extra.fresh,
      issuedAt: extra.issuedAt,
      credentialId: extra.credentialId,
      issuer: extra.issuer,
      roles: extra.roles,
      user: extra.user,
    };
  },
  /** The request carried no credential for `backend`. */
  missing(backend: string): AuthFailure {
    return { success: false, backend, missing: true, reason: 'CREDENTIAL_MISSING' };
  },
  /** The request carried a credential for `backend`, and it was not valid. */
  invalid(backend: string, reason: AuthReasonCode, detail?: string): AuthFailure {
    return { success: false, backend, missing: false, reason, detail: sanitizeDetail(detail) };
  },
  /**
   * The credential was valid, but the request must be refused with 403 (for example CSRF).
   * `credential` names whose it was, for the audit event; the backend emits none itself.
   */
  forbidden(
    backend: string,
    reason: AuthReasonCode,
    detail?: string,
    credential: { readonly identity?: string; readonly credentialId?: string } = {},
  ): AuthFailure {
    return {
      success: false,
      backend,
      missing: false,
      reason,
      detail: sanitizeDetail(detail),
      forbidden: true,
      identity: credential.identity,
      credentialId: credential.credentialId,
    };
  },
} as const;
