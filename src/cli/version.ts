/** The package version (the server reports the same one in /health and /openapi.json). */
export { packageVersion as version } from '../server/package-version.js';
