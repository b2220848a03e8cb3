/**
 * Joins a base URL's path and a request path. When the base already ends with the version the
 * request path starts with (`/v1` + `/v1/chat/completions`, as OPENAI_BASE_URL is written for the
 * official SDK), the version is not repeated: both ways of writing the base URL reach the same
 * endpoint.
 */
export function joinPath(basePath: string, path: string): string {
  const base = basePath.replace(/\/+$/, '');
  const version = /\/(v\d+(?:alpha|beta)?\d*)$/.exec(base)?.[1];
  if (
    version !== undefined &&
    (path === `/${version}` || path.startsWith(`/${version}/`) || path.startsWith(`/${version}?`))
  )
    return base.slice(0, -version.length - 1) + path;
  return base + path;
}
