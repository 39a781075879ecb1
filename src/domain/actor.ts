import type { Role } from './roles.js';

/** Who is doing something: recorded on every audit entry. */
export type Actor =
  | { kind: 'user'; userId: number; username: string; role: Role }
  | { kind: 'token'; tokenId: number; name: string; role: Role }
  | { kind: 'cli'; osUser: string }
  | { kind: 'system'; component: string };

/** The audit trail's text for an actor: `user:admin`, `token:7:ci-export`, `cli:root`, `system:scheduler`. */
export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case 'user':
      return `user:${actor.username}`;
    case 'token':
      return `token:${actor.tokenId}:${actor.name}`;
    case 'cli':
      return `cli:${actor.osUser}`;
    case 'system':
      return `system:${actor.component}`;
  }
}

/** The context every audited operation carries: who, and which request (for correlating logs). */
export type AuditContext = { actor: Actor; requestId?: string | undefined };
