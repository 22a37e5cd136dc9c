// The public API, and nothing else: every call goes through ``request`` so that the
// banner always shows who answered (X-Served-By) and the last X-Request-ID.
//
// The token lives in sessionStorage (see docs/storefront.md): it survives a reload of
// this tab, goes when the tab closes, and is never shared with other tabs or kept on
// disk the way localStorage would keep it.

const TOKEN_KEY = "shopstack.token";
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  get slug() {
    return (this.problem.type || "").replace("/problems/", "");
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  user: null,
  set(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    this.user = null;
  },
};

/** Called with {servedBy, requestId} after every answer. */
export function onAnswer(listener) {
  listeners.add(listener);
}

export async function request(method, path, { body, headers = {}, auth = false } = {}) {
  const sent = { Accept: "application/json", ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  if (auth && session.token) sent.Authorization = `Bearer ${session.token}`;
  const response = await fetch(path, {
    method,
    headers: sent,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = {
    servedBy: response.headers.get("X-Served-By"),
    requestId: response.headers.get("X-Request-ID"),
  };
  listeners.forEach((listener) => listener(answer));
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 401 && auth) session.clear();
    throw new ApiError(response.status, data);
  }
  return data;
}

const get = (path, options) => request("GET", path, options);
const query = (params) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
};

export const api = {
  categories: () => get("/api/categories"),
  products: (params) => get(`/api/products${query(params)}`),
  product: (id) => get(`/api/products/${encodeURIComponent(id)}`),
  register: (body) => request("POST", "/api/auth/register", { body }),
  login: (body) => request("POST", "/api/auth/login", { body }),
  me: () => get("/api/users/me", { auth: true }),
  cart: () => get("/api/cart", { auth: true }),
  setItem: (id, quantity) =>
    request("PUT", `/api/cart/items/${encodeURIComponent(id)}`, { body: { quantity }, auth: true }),
  removeItem: (id) =>
    request("DELETE", `/api/cart/items/${encodeURIComponent(id)}`, { auth: true }),
  checkout: (body, key) =>
    request("POST", "/api/orders", { body, auth: true, headers: { "Idempotency-Key": key } }),
  orders: (params) => get(`/api/orders${query(params)}`, { auth: true }),
  order: (id) => get(`/api/orders/${encodeURIComponent(id)}`, { auth: true }),
  cancel: (id) => request("POST", `/api/orders/${encodeURIComponent(id)}/cancel`, { auth: true }),
  createProduct: (body) => request("POST", "/api/products", { body, auth: true }),
  updateProduct: (id, body) =>
    request("PATCH", `/api/products/${encodeURIComponent(id)}`, { body, auth: true }),
  deleteProduct: (id) =>
    request("DELETE", `/api/products/${encodeURIComponent(id)}`, { auth: true }),
};
