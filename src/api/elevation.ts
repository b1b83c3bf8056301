import type { Incident, IncidentService } from '../kernel/index.ts';
import { ELEVATABLE_ROLES, type Role } from '../people/index.ts';

/**
 * Roles a person holds through the tenant's active major incident. The incident is re-read
 * at most once a second; its expiry is checked against the clock on every use, so elevated
 * authority ends exactly at expiry whether or not anything re-reads it.
 */
export class IncidentElevation {
  #cached: { tenant: string; incident: Incident | undefined; until: number } | undefined;

  constructor(
    private readonly incidents: IncidentService,
    private readonly tenant: string,
    private readonly now: () => number = Date.now,
  ) {}

  async rolesFor(actor: string): Promise<Role[]> {
    const incident = await this.active();
    if (!incident) return [];
    return (incident.scope.elevatedAccess ?? []).filter((a) => a.user === actor && (ELEVATABLE_ROLES as readonly string[]).includes(a.role)).map((a) => a.role as Role);
  }

  async active(): Promise<Incident | undefined> {
    const now = this.now();
    if (!this.#cached || this.#cached.until <= now) {
      this.#cached = { tenant: this.tenant, incident: await this.incidents.active(this.tenant), until: now + 1000 };
    }
    const incident = this.#cached.incident;
    return incident && incident.endedAt === null && incident.expiresAt > now ? incident : undefined;
  }

  /** Called when this process declares or ends an incident. */
  forget(): void {
    this.#cached = undefined;
  }
}
