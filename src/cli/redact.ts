/** Environment variables whose values must never reach any output. */
export const SECRET_ENV = ['EPPO_API_KEY', 'EPPO_WEBHOOK_SECRET', 'GITHUB_TOKEN'] as const;

/** Replaces every secret value from the environment with `***`. */
export function redactSecrets(text: string, env: Record<string, string | undefined>): string {
  let out = text;
  for (const name of SECRET_ENV) {
    const value = env[name];
    if (value !== undefined && value.length >= 4) out = out.split(value).join('***');
  }
  return out;
}
