// The storefront's shell: a hash router (#/products, #/cart, …) so that the server
// only ever serves static files, the banner, and the header's account and cart.

import { ApiError, api, onAnswer, session } from "./api.js";
import { alert, h, heading, loading, replace } from "./dom.js";
import { signIn, signUp } from "./views/account.js";
import { adminEdit, adminList, adminNew } from "./views/admin.js";
import { cartPage } from "./views/cart.js";
import { checkoutPage } from "./views/checkout.js";
import { orderList, orderPage } from "./views/orders.js";
import { home, productList, productPage } from "./views/catalog.js";

const ROUTES = [
  [/^\/?$/, home],
  [/^\/products$/, productList],
  [/^\/products\/([^/]+)$/, productPage],
  [/^\/cart$/, cartPage, { signedIn: true }],
  [/^\/checkout$/, checkoutPage, { signedIn: true }],
  [/^\/orders$/, orderList, { signedIn: true }],
  [/^\/orders\/([^/]+)$/, orderPage, { signedIn: true }],
  [/^\/admin$/, adminList, { admin: true }],
  [/^\/admin\/new$/, adminNew, { admin: true }],
  [/^\/admin\/products\/([^/]+)$/, adminEdit, { admin: true }],
  [/^\/signin$/, signIn],
  [/^\/signup$/, signUp],
];

const main = document.getElementById("main");
let generation = 0;
// What the page on show asked to run when it is left (closing its event stream).
let leaving = [];

function leave() {
  const callbacks = leaving;
  leaving = [];
  callbacks.forEach((callback) => callback());
}

onAnswer(({ servedBy, requestId }) => {
  if (servedBy) document.getElementById("served-by").textContent = servedBy;
  if (requestId) document.getElementById("request-id").textContent = requestId;
});

function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function setCart(cart) {
  const count = cart ? cart.item_count : 0;
  document.getElementById("cart-count").textContent = `(${count})`;
}

async function refreshCart() {
  setCart(session.token ? await api.cart().catch(() => null) : null);
}

let accountLoading = null;

/** The header's account part; concurrent callers share one /api/users/me call. */
function refreshAccount() {
  accountLoading = accountLoading || loadAccount().finally(() => { accountLoading = null; });
  return accountLoading;
}

async function loadAccount() {
  if (session.token && !session.user) {
    session.user = await api.me().catch(() => null);
    if (!session.user) session.clear();
  }
  const user = session.user;
  document.getElementById("orders-link").hidden = !user;
  document.getElementById("admin-link").hidden = !(user && user.role === "admin");
  const account = document.getElementById("account");
  if (user) {
    replace(account, h("span", { class: "who" }, `Signed in as ${user.name}`),
      h("button", { type: "button", onclick: signOut }, "Sign out"));
  } else {
    replace(account, h("a", { href: "#/signin" }, "Sign in"), h("a", { href: "#/signup" }, "Sign up"));
  }
}

function signOut() {
  session.clear();
  setCart(null);
  refreshAccount();
  go("#/");
}

async function signedInAs(token) {
  session.set(token);
  session.user = null;
  await refreshAccount();
  await refreshCart();
}

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  return { path, params: new URLSearchParams(search) };
}

function needsSignIn(what) {
  replace(main, heading("Please sign in"),
    h("p", {}, `Sign in to see ${what}. `, h("a", { href: "#/signin" }, "Sign in"), " or ",
      h("a", { href: "#/signup" }, "create an account"), "."));
}

async function render() {
  leave();
  const mine = ++generation;
  const { path, params } = parseHash();
  const found = ROUTES.map(([pattern, view, rules]) => [pattern.exec(path), view, rules || {}])
    .find(([match]) => match);
  main.setAttribute("aria-busy", "true");
  replace(main, loading());
  const ctx = {
    main, params, go, setCart, signedInAs,
    args: found ? found[0].slice(1).map(decodeURIComponent) : [],
    current: () => mine === generation,
    onLeave: (callback) => (mine === generation ? leaving.push(callback) : callback()),
    user: () => session.user,
  };
  try {
    await refreshAccount();
    if (!found) {
      replace(main, heading("Page not found"), h("p", {}, h("a", { href: "#/" }, "Back to the shop")));
    } else if (found[2].signedIn && !session.user) {
      needsSignIn("this page");
    } else if (found[2].admin && !(session.user && session.user.role === "admin")) {
      needsSignIn("the admin pages (as an administrator)");
    } else {
      await found[1](ctx);
    }
  } catch (error) {
    if (!ctx.current()) return;
    if (error instanceof ApiError && error.status === 401) {
      await refreshAccount();
      needsSignIn("this page again: your session has ended");
    } else {
      replace(main, heading("Something went wrong"), alert(error.message));
    }
  } finally {
    if (ctx.current()) {
      main.removeAttribute("aria-busy");
      const title = main.querySelector("h1");
      document.title = title ? `${title.textContent} · shopstack` : "shopstack";
      if (title && document.activeElement !== title && !main.contains(document.activeElement)) {
        title.focus({ preventScroll: false });
      }
    }
  }
}

window.addEventListener("hashchange", render);
window.addEventListener("pagehide", leave);
render().then(refreshCart);
