/** The permissions an API key can carry, exactly as the public API lists them. */
export const scopes = [
  'campaigns:read',
  'campaigns:write',
  'invites:read',
  'invites:write',
  'sessions:read',
  'sessions:write',
  'billing:read',
  'billing:write',
  'organization:read',
  'organization:write',
] as const;

export type Scope = (typeof scopes)[number];

export function isScope(value: string): value is Scope {
  return (scopes as readonly string[]).includes(value);
}
