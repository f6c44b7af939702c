import { Injectable } from '@nestjs/common';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';

/** The shortest password accepted (NIST SP 800-63B, OWASP ASVS). */
export const MIN_PASSWORD_LENGTH = 8;
/**
 * The longest password accepted, in characters. Far above the 64 that must be allowed; longer
 * input is refused before any hashing, so it cannot be used to burn CPU. Nothing is truncated.
 */
export const MAX_PASSWORD_LENGTH = 256;
/** zxcvbn scores 0 and 1 are "too guessable" / "very guessable": common passwords and the like. */
const MIN_SCORE = 2;

/**
 * The password policy: length only (no composition rules), plus a check against common and
 * easily guessed passwords with zxcvbn-ts and its maintained common-password dictionary.
 */
@Injectable()
export class PasswordPolicy {
  // Levenshtein matching is left off: it costs ~40 ms per check for little gain over the
  // dictionary, l33t and pattern matchers.
  private readonly zxcvbn = new ZxcvbnFactory({
    dictionary: { ...common.dictionary },
    graphs: common.adjacencyGraphs,
  });

  /**
   * The problems of `password` for an account with `context` (username, email), or an empty
   * list when it is acceptable.
   */
  check(password: string, context: readonly string[] = []): string[] {
    const length = [...password].length;
    if (length < MIN_PASSWORD_LENGTH) {
      return [`password must be at least ${MIN_PASSWORD_LENGTH} characters long`];
    }
    if (length > MAX_PASSWORD_LENGTH) {
      return [`password must be at most ${MAX_PASSWORD_LENGTH} characters long`];
    }
    const inputs = context.flatMap((value) => [value, ...value.split(/[@._+-]/)]).filter(Boolean);
    if (this.zxcvbn.check(password, inputs).score < MIN_SCORE) {
      return ['password is too common or too easy to guess; a few unrelated words work well'];
    }
    return [];
  }
}
