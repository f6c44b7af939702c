/** The secret part of an API key `<prefix>_<id>_<secret>`; base64url secrets may contain '_'. */
export function secretOf(key: string): string {
  const secret = /^[^_]+_[^_]+_(.+)$/.exec(key)?.[1];
  if (secret === undefined || secret.length < 16) throw new Error(`not a full API key: ${key}`);
  return secret;
}
