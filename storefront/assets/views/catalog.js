// Home (the categories), the product list (search, category, price range, sort,
// pages) and the product page.

import { api } from "../api.js";
import { alert, field, h, heading, money, parseMoney, replace } from "../dom.js";

const PAGE_SIZE = 12;
const SORTS = [["name", "Name, A to Z"], ["-name", "Name, Z to A"], ["price", "Price, low to high"],
  ["-price", "Price, high to low"], ["newest", "Newest first"]];

export async function home(ctx) {
  const { items } = await api.categories();
  if (!ctx.current()) return;
  replace(ctx.main, heading("Welcome to shopstack"),
    h("p", {}, "One shop built twice: the banner above says which architecture answered."),
    h("h2", {}, "Categories"),
    items.length === 0
      ? h("p", { class: "empty" }, "No categories yet.")
      : h("ul", { class: "categories" }, items.map((category) => h("li", {},
        h("a", { href: `#/products?category=${encodeURIComponent(category.name)}` }, category.name),
        h("span", { class: "count" }, ` ${category.product_count} products`)))));
}

/** Cents from the query string as an amount to edit ("12.50"), or "". */
function amount(cents) {
  return /^\d+$/.test(cents || "") ? money(Number(cents)).replace(/[$,]/g, "") : "";
}

function listHash(params) {
  const text = params.toString();
  return `#/products${text ? `?${text}` : ""}`;
}

function filterForm(ctx, categories) {
  const p = ctx.params;
  const search = h("input", { type: "search", id: "q", name: "q", value: p.get("q") || "",
    "aria-label": "Search products", placeholder: "Search products", maxlength: "200" });
  const category = field("category", "Category", { tag: "select" });
  category.input.append(h("option", { value: "" }, "All categories"),
    ...categories.map((c) => h("option", { value: c.name, selected: c.name === p.get("category") }, c.name)));
  const min = field("min-price", "Min price ($)", { inputmode: "decimal",
    value: amount(p.get("min_price_cents")) });
  const max = field("max-price", "Max price ($)", { inputmode: "decimal",
    value: amount(p.get("max_price_cents")) });
  const sort = field("sort", "Sort", { tag: "select" });
  sort.input.append(...SORTS.map(([value, label]) =>
    h("option", { value, selected: value === (p.get("sort") || "name") }, label)));
  const problem = h("p", { class: "field-error", role: "alert", hidden: true });

  function submit(event) {
    event.preventDefault();
    const next = new URLSearchParams();
    if (search.value.trim()) next.set("q", search.value.trim());
    if (category.input.value) next.set("category", category.input.value);
    for (const [f, key] of [[min, "min_price_cents"], [max, "max_price_cents"]]) {
      if (!f.input.value.trim()) continue;
      const cents = parseMoney(f.input.value);
      if (cents === null) {
        problem.textContent = "Prices are amounts like 12 or 12.50.";
        problem.hidden = false;
        f.input.focus();
        return;
      }
      next.set(key, String(cents));
    }
    if (sort.input.value !== "name") next.set("sort", sort.input.value);
    ctx.go(listHash(next));
  }

  return h("form", { class: "filters", role: "search", onsubmit: submit },
    h("div", { class: "field search" }, search),
    category.row, min.row, max.row, sort.row,
    h("button", { type: "submit" }, "Apply filters"), problem);
}

function pager(ctx, page) {
  const pages = Math.max(1, Math.ceil(page.total / page.page_size));
  const link = (n, label) => {
    const next = new URLSearchParams(ctx.params);
    next.set("page", String(n));
    return h("a", { href: listHash(next) }, label);
  };
  return h("nav", { class: "pager", "aria-label": "Pages" },
    page.page > 1 ? link(page.page - 1, "Previous page") : null,
    h("span", {}, ` Page ${page.page} of ${pages} `),
    page.page < pages ? link(page.page + 1, "Next page") : null);
}

function productCard(product) {
  return h("li", { class: "card" },
    h("h2", {}, h("a", { href: `#/products/${encodeURIComponent(product.id)}` }, product.name)),
    h("p", { class: "category" }, product.category),
    h("p", { class: "price" }, money(product.price_cents)),
    product.stock > 0 ? null : h("p", { class: "stock out" }, "Out of stock"));
}

export async function productList(ctx) {
  const p = ctx.params;
  const page = Math.max(1, Number.parseInt(p.get("page") || "1", 10) || 1);
  const query = { q: p.get("q"), category: p.get("category"), sort: p.get("sort"),
    min_price_cents: p.get("min_price_cents"), max_price_cents: p.get("max_price_cents"),
    page, page_size: PAGE_SIZE };
  const [categories, result] = await Promise.all([api.categories(), api.products(query)]);
  if (!ctx.current()) return;
  replace(ctx.main, heading("Products"), filterForm(ctx, categories.items),
    h("p", { class: "summary", role: "status" },
      `${result.total} ${result.total === 1 ? "product" : "products"}`),
    result.items.length === 0
      ? h("p", { class: "empty" }, "No products match these filters.")
      : h("ul", { class: "products" }, result.items.map(productCard)),
    result.total > 0 ? pager(ctx, result) : null);
}

export async function productPage(ctx) {
  const product = await api.product(ctx.args[0]);
  if (!ctx.current()) return;
  const quantity = field("quantity", "Quantity", { type: "number", min: "1", max: "99", value: "1",
    inputmode: "numeric" });
  const status = h("p", { role: "status", class: "status" });

  async function add(event) {
    event.preventDefault();
    const n = Number.parseInt(quantity.input.value, 10);
    if (!(n >= 1 && n <= 99)) {
      status.textContent = "Choose a quantity from 1 to 99.";
      return;
    }
    const cart = await api.setItem(product.id, n).catch((error) => {
      replace(status, alert(error.message));
      return null;
    });
    if (cart) {
      ctx.setCart(cart);
      replace(status, "Added to cart. ", h("a", { href: "#/cart" }, "Go to the cart"));
    }
  }

  const buy = ctx.user()
    ? h("form", { class: "buy", onsubmit: add }, quantity.row,
      h("button", { type: "submit", disabled: product.stock < 1 }, "Add to cart"), status)
    : h("p", {}, h("a", { href: "#/signin" }, "Sign in"), " to add this to your cart.");
  const attributes = Object.entries(product.attributes || {});
  replace(ctx.main,
    h("p", { class: "crumbs" }, h("a", { href: "#/products" }, "Products"), " / ",
      h("a", { href: `#/products?category=${encodeURIComponent(product.category)}` }, product.category)),
    heading(product.name),
    h("p", { class: "price big" }, money(product.price_cents)),
    h("p", { class: product.stock > 0 ? "stock" : "stock out" },
      product.stock > 0 ? `In stock: ${product.stock}` : "Out of stock"),
    h("p", {}, product.description),
    attributes.length ? h("dl", { class: "attributes" },
      attributes.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))])) : null,
    buy);
}
