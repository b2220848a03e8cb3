type Json = Record<string, unknown>;

/**
 * The API reference at `/docs`: one self-contained HTML page rendered from the OpenAPI document
 * (no script, no CDN, nothing fetched), so that it is always the reference of the running server.
 */
export function docsPage(document: Json): string {
  const info = document.info as { title: string; version: string; description: string };
  const paths = document.paths as Record<string, Record<string, Json>>;
  const tags = (document.tags as Array<{ name: string; description: string }>) ?? [];
  const operations: Array<{ method: string; path: string; op: Json }> = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) operations.push({ method, path, op });
  }
  const sections = tags
    .map((tag) => {
      const ops = operations.filter((o) => (o.op.tags as string[]).includes(tag.name));
      if (ops.length === 0) return '';
      return `<section id="tag-${esc(tag.name)}"><h2>${esc(tag.name)}</h2><p class="muted">${esc(tag.description)}</p>${ops
        .map(renderOperation)
        .join('')}</section>`;
    })
    .join('');
  const toc = operations
    .map(
      (o) =>
        `<li><a href="#${esc(String(o.op.operationId))}"><span class="m ${o.method}">${o.method.toUpperCase()}</span> ${esc(o.path)}</a></li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} API ${esc(info.version)}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
header{background:#1d2330;color:#fff;padding:20px 32px}header h1{margin:0;font-size:22px}header p{margin:6px 0 0;color:#c9cfdb;max-width:900px}
.layout{display:grid;grid-template-columns:300px 1fr;gap:24px;padding:24px 32px}
nav ul{list-style:none;padding:0;margin:0;position:sticky;top:16px}nav li{margin:2px 0}nav a{color:#1d2330;text-decoration:none;font-size:13px}
h2{text-transform:capitalize;border-bottom:2px solid #d9dee7;padding-bottom:4px}
.op{background:#fff;border:1px solid #d9dee7;border-radius:8px;padding:14px 18px;margin:14px 0}
.op h3{margin:0 0 6px;font-size:16px;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:52px;text-align:center;border-radius:4px;color:#fff;font:600 11px ui-monospace,monospace;padding:2px 4px}
.get{background:#2f7d4f}.post{background:#2656a8}.delete{background:#a83232}
.muted{color:#5b6475}table{border-collapse:collapse;width:100%;margin:6px 0;font-size:13px}td,th{border-top:1px solid #e6e9ef;padding:4px 6px;text-align:left;vertical-align:top}
code,pre{font-family:ui-monospace,monospace;font-size:12px}pre{background:#f1f3f7;padding:8px;border-radius:6px;overflow:auto;max-height:360px}
details{margin:4px 0}summary{cursor:pointer}.who{font-size:13px;color:#5b6475}
main{min-width:0}.op{overflow-wrap:anywhere}
@media (max-width:800px){.layout{grid-template-columns:1fr;padding:16px}nav{display:none}table{display:block;overflow-x:auto}}
</style></head><body>
<header><h1>${esc(info.title)} API <small>${esc(info.version)}</small></h1><p>${inline(info.description)}</p>
<p>Machine-readable: <a style="color:#9ec1ff" href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Authenticate with <code>Authorization: Bearer &lt;key&gt;</code>.</p></header>
<div class="layout"><nav><ul>${toc}</ul></nav><main>${sections}
<section><h2>Schemas</h2>${Object.entries(((document.components as Json).schemas as Json) ?? {})
    .map(
      ([name, schema]) =>
        `<details id="schema-${esc(name)}"><summary><code>${esc(name)}</code></summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>`,
    )
    .join('')}</section></main></div></body></html>`;
}

function renderOperation({ method, path, op }: { method: string; path: string; op: Json }): string {
  const parameters = (op.parameters as Json[]) ?? [];
  const body = op.requestBody as { content: Record<string, { schema: Json }>; required: boolean } | undefined;
  const responses = op.responses as Record<string, Json>;
  const params = parameters.length
    ? `<table><tr><th>Parameter</th><th>In</th><th>Schema</th><th>Description</th></tr>${parameters
        .map(
          (p) =>
            `<tr><td><code>${esc(String(p.name))}</code>${p.required ? ' *' : ''}</td><td>${esc(String(p.in))}</td><td><code>${esc(summary(p.schema as Json))}</code></td><td>${inline(String(p.description ?? ''))}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  const requestBody = body
    ? `<details><summary>Request body${body.required ? '' : ' (optional)'}: application/json</summary><pre>${esc(
        JSON.stringify(body.content['application/json']?.schema, null, 2),
      )}</pre></details>`
    : '';
  const answers = Object.entries(responses)
    .map(([status, r]) => {
      const ref = typeof r.$ref === 'string' ? r.$ref : undefined;
      const description = ref
        ? `Error envelope (see <code>Error</code>)`
        : inline(String(r.description ?? ''));
      const content = r.content as Record<string, { schema: Json }> | undefined;
      const shown = content
        ? Object.entries(content)
            .map(
              ([type, c]) =>
                `<details><summary>${esc(type)}</summary><pre>${esc(JSON.stringify(c.schema, null, 2))}</pre></details>`,
            )
            .join('')
        : '';
      return `<tr><td><code>${esc(status)}</code></td><td>${description}${shown}</td></tr>`;
    })
    .join('');
  const description = String(op.description ?? '')
    .split('\n\n')
    .map((p) => `<p>${inline(p)}</p>`)
    .join('');
  return `<div class="op" id="${esc(String(op.operationId))}"><h3><span class="m ${method}">${method.toUpperCase()}</span> ${esc(path)}</h3>
<strong>${esc(String(op.summary))}</strong>${description}${params}${requestBody}<table><tr><th>Status</th><th>Answer</th></tr>${answers}</table></div>`;
}

function summary(schema: Json | undefined): string {
  if (!schema) return '';
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map(String).join(' | ');
  if (typeof schema.type === 'string') return schema.type + (schema.format ? ` (${schema.format})` : '');
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Json[]).map(summary).join(' | ');
  return 'object';
}

/** Escapes, then renders `code` and **bold** from the descriptions. */
function inline(text: string): string {
  return esc(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

function esc(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
