/** The HTTP server (layer L5): `createServer(hf)` and what the CLI needs to run it. */
export { ApiKeys, type KeyInfo } from './auth/api-keys.js';
export type { Access, Principal } from './auth/principal.js';
export { createServer, type HoldfastServer, type ServerExtensions } from './create-server.js';
export { type DashboardOptions, dashboardExtension } from './dashboard/dashboard-extension.js';
export type { OpenedSession, SessionOwner, Sessions } from './dashboard/sessions.js';
export { type AnyRouteSpec, defineRoute, type RouteSpec } from './http/route-spec.js';
export { applyRetention, type RetentionOptions, type RetentionReport } from './retention.js';
export type { ServerContext } from './server-context.js';
export { isLoopback, resolveServerOptions, type ServerOptions, serverDefaults } from './server-options.js';
