/**
 * The API reference, rendered from the node's OpenAPI document: per
 * operation its path, parameters, bodies and responses with their error
 * codes; then the schemas.
 *
 * @module
 */
import type { Child } from "hono/jsx";

/** The parts of an OpenAPI 3.1 document the page reads. */
interface Document {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: {
    name: string;
    in: string;
    required?: boolean;
    description?: string;
  }[];
  requestBody?: { description?: string; content?: Record<string, unknown> };
  responses?: Record<string, Response>;
  security?: unknown[];
}

interface Response {
  description?: string;
  content?: Record<string, { schema?: Schema }>;
}

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  enum?: unknown[];
  format?: string;
}

/**
 * The page's content.
 *
 * @example
 * ```tsx ignore
 * <ReferencePage document={openApiDocument(app, false)} />
 * ```
 */
export function ReferencePage(props: { document: unknown }): Child {
  const doc = props.document as Document;
  const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op }))
  );
  const tags = [...new Set(operations.map((o) => o.op.tags?.[0] ?? "other"))];
  return (
    <>
      <section class="panel">
        <p>
          {doc.info.title} {doc.info.version}.{" "}
          <Markdownish text={doc.info.description ?? ""} />
        </p>
        <p>
          The machine-readable document:{" "}
          <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI 3.1).
        </p>
        <nav aria-label="API sections">
          {tags.map((tag) => (
            <a key={tag} class="pill" href={`#tag-${tag}`}>{tag}</a>
          ))}
          <a class="pill" href="#schemas">schemas</a>
        </nav>
      </section>
      {tags.map((tag) => (
        <section class="panel" id={`tag-${tag}`} aria-labelledby={`h-${tag}`}>
          <h2 id={`h-${tag}`}>{tag}</h2>
          {operations.filter((o) =>
            (o.op.tags?.[0] ?? "other") === tag
          ).map((o) => (
            <div
              class="ref-op"
              data-operation={`${o.method.toUpperCase()} ${o.path}`}
            >
              <div>
                <span class={`method ${o.method}`}>
                  {o.method.toUpperCase()}
                </span>
                <code>{o.path}</code>
                {o.op.security && <span class="pill">bearer token</span>}
              </div>
              <p>{o.op.summary}</p>
              {o.op.description && (
                <p class="muted">
                  <Markdownish text={o.op.description} />
                </p>
              )}
              {(o.op.parameters ?? []).length > 0 && (
                <p>
                  Parameters: {o.op.parameters!.map((p) => (
                    <span class="pill">
                      {p.in} <code>{p.name}</code>
                      {p.required ? "" : " (optional)"}
                    </span>
                  ))}
                </p>
              )}
              {o.op.requestBody && (
                <p>
                  Body: {o.op.requestBody.description ?? ""}{" "}
                  {Object.keys(o.op.requestBody.content ?? {}).map((type) => (
                    <span class="pill">{type}</span>
                  ))}
                </p>
              )}
              <div class="table-wrap">
                <table>
                  <tbody>
                    {Object.entries(o.op.responses ?? {}).map(([status, r]) => (
                      <tr>
                        <td class="mono">{status}</td>
                        <td>
                          {errorCodes(r).length > 0
                            ? errorCodes(r).map((code) => (
                              <code class="pill">{code}</code>
                            ))
                            : r.description}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          ))}
        </section>
      ))}
      <section class="panel" id="schemas" aria-labelledby="h-schemas">
        <h2 id="h-schemas">Schemas</h2>
        {Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => (
          <details>
            <summary>
              <strong>{name}</strong>
            </summary>
            <pre>{JSON.stringify(schema, null, 2)}</pre>
          </details>
        ))}
      </section>
    </>
  );
}

/** `text` with its `backquoted` parts as code, the rest as text. */
function Markdownish(props: { text: string }): Child {
  return (
    <>
      {props.text.split("`").map((part, i) =>
        i % 2 === 1 ? <code key={i}>{part}</code> : part
      )}
    </>
  );
}

/**
 * The error codes a response documents (its schema's `error.code` enum).
 *
 * @example
 * ```ts ignore
 * errorCodes(document.paths["/v1/functions/{name}"].get.responses["404"]); // ["not_found"]
 * ```
 */
export function errorCodes(response: Response): string[] {
  const schema = response.content?.["application/json"]?.schema;
  const code = schema?.properties?.error?.properties?.code;
  return (code?.enum ?? []).map(String);
}
