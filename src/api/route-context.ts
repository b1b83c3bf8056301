import type { App } from '../app/index.ts';
import type { People } from '../people/index.ts';
import type { IncidentElevation } from './elevation.ts';
import type { EventHub } from './events-hub.ts';
import type { RouteKitOptions } from './route-kit.ts';

/** What every route module gets: the app, people and access, and the server's own parts. */
export interface RouteContext {
  app: App;
  people: People;
  kit: RouteKitOptions;
  elevation: IncidentElevation;
  events: EventHub;
  now: () => number;
  /** Size limit for uploaded reports (.eml). */
  reportLimit: number;
}
