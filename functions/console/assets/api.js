// The one place the console talks to the API: named routes (routes.js), the API key header,
// JSON errors as ApiError, and feature detection from the deployment's own /openapi.json.
import { ROUTES } from "./routes.js";

const KEY_STORAGE = "mockupaws.apiKey";

export class ApiError extends Error {
  constructor(status, body, raw) {
    const message = body && typeof body.message === "string" ? body.message : `HTTP ${status}`;
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = body && typeof body.error === "string" ? body.error : `http_${status}`;
    this.details = body && Array.isArray(body.details) ? body.details : [];
    this.raw = raw;
  }
}

export function getApiKey() {
  try {
    return window.localStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return "";
  }
}

export function setApiKey(value) {
  if (value) {
    window.localStorage.setItem(KEY_STORAGE, value);
  } else {
    window.localStorage.removeItem(KEY_STORAGE);
  }
}

/** An absolute URL for a path of this deployment (the page's <base> carries the stage prefix). */
export function deploymentUrl(path) {
  return new URL(path.replace(/^\//, ""), document.baseURI);
}

export function routeUrl(name, params = {}, query = {}) {
  const route = ROUTES[name];
  if (!route) {
    throw new Error(`unknown route ${name}`);
  }
  const path = route.path.replace(/\{(\w+)\}/g, (_, key) => {
    if (params[key] === undefined || params[key] === null) {
      throw new Error(`route ${name} needs ${key}`);
    }
    return encodeURIComponent(String(params[key]));
  });
  const url = deploymentUrl(path);
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") {
      continue;
    }
    url.searchParams.set(key, String(value));
  }
  return url;
}

function parseBody(text, contentType) {
  if (!text) {
    return null;
  }
  if (contentType.includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Call a named route. Returns the parsed JSON (null for 204), or the text when `accept` is not JSON.
 * Throws ApiError on any non-2xx answer.
 */
export async function call(name, { params = {}, query = {}, body, accept = "application/json", signal } = {}) {
  const route = ROUTES[name];
  const headers = { "Accept": accept };
  const key = getApiKey();
  if (key) {
    headers["x-api-key"] = key;
  }
  const init = { method: route.method, headers, cache: "no-store", signal };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(routeUrl(name, params, query), init);
  const text = await response.text();
  const contentType = response.headers.get("content-type") || "";
  if (!response.ok) {
    const error = new ApiError(response.status, parseBody(text, contentType), text);
    window.dispatchEvent(new CustomEvent("api-error", { detail: error }));
    throw error;
  }
  if (response.status === 204) {
    return null;
  }
  if (!accept.includes("json")) {
    return text;
  }
  return parseBody(text, contentType);
}

let documentPromise = null;

/** The deployment's OpenAPI document (public, also when the API needs a key). */
export function openapi() {
  if (!documentPromise) {
    documentPromise = fetch(deploymentUrl("openapi.json"), { cache: "no-store" })
      .then((response) => (response.ok ? response.json() : { paths: {}, components: { schemas: {} } }))
      .catch(() => ({ paths: {}, components: { schemas: {} } }));
  }
  return documentPromise;
}

/** The OpenAPI operation of a named route on this deployment, or null when it is not there. */
export async function operation(name) {
  const route = ROUTES[name];
  const document = await openapi();
  const item = document.paths ? document.paths[route.path] : undefined;
  return (item && item[route.method.toLowerCase()]) || null;
}

export async function available(name) {
  return (await operation(name)) !== null;
}

/** A component schema by name, with local $refs left as they are. */
export async function schema(name) {
  const document = await openapi();
  return (document.components && document.components.schemas && document.components.schemas[name]) || null;
}

export async function resolveRef(ref) {
  const document = await openapi();
  let node = document;
  for (const part of ref.replace(/^#\//, "").split("/")) {
    node = node ? node[part] : undefined;
  }
  return node || null;
}
