// Admin: the product list, and creating, editing and deleting a product.

import { ApiError, api } from "../api.js";
import { alert, field, h, heading, money, parseMoney, replace, setFieldError } from "../dom.js";

const PAGE_SIZE = 20;

export async function adminList(ctx) {
  const page = Math.max(1, Number.parseInt(ctx.params.get("page") || "1", 10) || 1);
  const q = ctx.params.get("q") || "";
  const result = await api.products({ q, page, page_size: PAGE_SIZE, sort: "newest" });
  if (!ctx.current()) return;
  const search = h("input", { type: "search", name: "q", value: q, "aria-label": "Search products" });
  const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
  const at = (n) => `#/admin?${new URLSearchParams({ q, page: String(n) })}`;
  replace(ctx.main, heading("Admin: products"),
    h("p", {}, h("a", { class: "button", href: "#/admin/new" }, "New product")),
    h("form", { role: "search", class: "filters", onsubmit: (event) => {
      event.preventDefault();
      ctx.go(`#/admin?${new URLSearchParams({ q: search.value.trim() })}`);
    } }, search, h("button", { type: "submit" }, "Search")),
    result.items.length === 0 ? h("p", { class: "empty" }, "No products.") :
      h("table", { class: "admin" },
        h("thead", {}, h("tr", {}, ["Product", "SKU", "Price", "Stock"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, result.items.map((p) => h("tr", {},
          h("td", {}, h("a", { href: `#/admin/products/${encodeURIComponent(p.id)}`, "aria-label": `Edit ${p.name}` }, p.name)),
          h("td", {}, p.sku), h("td", {}, money(p.price_cents)), h("td", {}, String(p.stock)))))),
    h("nav", { class: "pager", "aria-label": "Pages" },
      page > 1 ? h("a", { href: at(page - 1) }, "Previous page") : null,
      h("span", {}, ` Page ${page} of ${pages} `),
      page < pages ? h("a", { href: at(page + 1) }, "Next page") : null));
}

function productForm(ctx, product, { button, submit }) {
  const f = {
    sku: product ? null : field("sku", "SKU", { maxlength: "64" }),
    name: field("name", "Name", { maxlength: "200", value: product?.name ?? "" }),
    description: field("description", "Description", { tag: "textarea", rows: "3" }),
    category: field("category", "Category", { maxlength: "100", value: product?.category ?? "" }),
    price_cents: field("price", "Price ($)", { inputmode: "decimal",
      value: product ? money(product.price_cents).replace(/[$,]/g, "") : "" }),
    stock: field("stock", "Stock", { inputmode: "numeric", value: product ? String(product.stock) : "0" }),
  };
  f.description.input.value = product?.description ?? "";
  const summary = h("div", { class: "summary" });
  async function onsubmit(event) {
    event.preventDefault();
    Object.values(f).forEach((x) => x && setFieldError(x, ""));
    const body = { name: f.name.input.value.trim(), description: f.description.input.value,
      category: f.category.input.value.trim() };
    if (f.sku) body.sku = f.sku.input.value.trim();
    const cents = parseMoney(f.price_cents.input.value);
    if (cents === null) return setFieldError(f.price_cents, "A price like 12 or 12.50.");
    body.price_cents = cents;
    if (!/^\d+$/.test(f.stock.input.value.trim())) return setFieldError(f.stock, "A whole number.");
    body.stock = Number(f.stock.input.value.trim());
    try {
      await submit(body);
    } catch (error) {
      for (const { field: name, message } of (error instanceof ApiError && error.problem.errors) || []) {
        if (f[name]) setFieldError(f[name], message);
      }
      replace(summary, alert(error.message));
    }
  }
  return h("form", { class: "stack", novalidate: true, onsubmit },
    Object.values(f).filter(Boolean).map((x) => x.row),
    h("button", { type: "submit", class: "primary" }, button), summary);
}

export async function adminNew(ctx) {
  replace(ctx.main, h("p", { class: "crumbs" }, h("a", { href: "#/admin" }, "Admin")),
    heading("New product"),
    productForm(ctx, null, { button: "Create product", submit: async (body) => {
      const created = await api.createProduct(body);
      ctx.go(`#/admin/products/${encodeURIComponent(created.id)}?saved=created`);
    } }));
}

export async function adminEdit(ctx) {
  const product = await api.product(ctx.args[0]);
  if (!ctx.current()) return;
  const saved = ctx.params.get("saved");
  const zone = h("div", { class: "danger-zone" });
  const askDelete = () => replace(zone,
    h("p", {}, `Delete ${product.name}? Orders keep their own copy.`),
    h("button", { type: "button", class: "danger", onclick: async () => {
      try {
        await api.deleteProduct(product.id);
        ctx.go("#/admin");
      } catch (error) {
        replace(zone, alert(error.message));
      }
    } }, "Confirm delete"),
    h("button", { type: "button", onclick: drawZone }, "Keep it"));
  function drawZone() {
    replace(zone, h("button", { type: "button", class: "danger", onclick: askDelete }, "Delete product"));
  }
  drawZone();
  replace(ctx.main, h("p", { class: "crumbs" }, h("a", { href: "#/admin" }, "Admin")),
    heading(`Edit ${product.name}`),
    h("p", {}, `SKU ${product.sku} · `, h("a", { href: `#/products/${encodeURIComponent(product.id)}` }, "View in the shop")),
    saved ? h("p", { class: "status", role: "status" }, saved === "created" ? "Product created" : "Changes saved") : null,
    productForm(ctx, product, { button: "Save changes", submit: async (body) => {
      const changes = Object.fromEntries(Object.entries(body).filter(([k, v]) => product[k] !== v));
      await api.updateProduct(product.id, changes);
      ctx.go(`#/admin/products/${encodeURIComponent(product.id)}?saved=updated`);
    } }),
    zone);
}
