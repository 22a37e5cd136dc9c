// The cart: change a line's quantity, remove a line, go to checkout.

import { api } from "../api.js";
import { h, heading, money, replace } from "../dom.js";

function line(ctx, item, redraw) {
  const id = `qty-${item.product_id}`;
  const input = h("input", { id, type: "number", min: "1", max: "99", value: String(item.quantity),
    inputmode: "numeric", class: "qty" });
  const status = h("span", { class: "line-status", role: "status" });
  async function update(event) {
    event.preventDefault();
    const n = Number.parseInt(input.value, 10);
    if (!(n >= 1 && n <= 99)) {
      replace(status, "Choose 1 to 99, or remove the line.");
      return;
    }
    try {
      redraw(await api.setItem(item.product_id, n), `Quantity of ${item.name} is now ${n}.`);
    } catch (error) {
      replace(status, error.message);
    }
  }
  async function remove() {
    try {
      redraw(await api.removeItem(item.product_id), `${item.name} removed.`);
    } catch (error) {
      replace(status, error.message);
    }
  }
  return h("li", { class: "line" },
    h("a", { class: "name", href: `#/products/${encodeURIComponent(item.product_id)}` }, item.name),
    h("span", { class: "unit" }, `${money(item.unit_price_cents)} each`),
    h("form", { class: "qty-form", onsubmit: update },
      h("label", { for: id }, "Quantity", h("span", { class: "visually-hidden" }, ` of ${item.name}`)),
      input,
      h("button", { type: "submit", "aria-label": `Update quantity of ${item.name}` }, "Update")),
    h("span", { class: "total" }, money(item.line_total_cents)),
    h("button", { type: "button", class: "link", onclick: remove, "aria-label": `Remove ${item.name}` },
      "Remove"),
    status);
}

export function drawCart(ctx, cart, message = "") {
  ctx.setCart(cart);
  const redraw = (next, text) => drawCart(ctx, next, text);
  const note = h("p", { class: "status", role: "status" }, message);
  if (cart.items.length === 0) {
    replace(ctx.main, heading("Your cart"), note,
      h("p", { class: "empty" }, "Your cart is empty. ", h("a", { href: "#/products" }, "Browse the products"), "."));
    return;
  }
  replace(ctx.main, heading("Your cart"), note,
    h("ul", { class: "lines" }, cart.items.map((item) => line(ctx, item, redraw))),
    h("p", { class: "grand" }, `Total: ${money(cart.total_cents)}`,
      h("span", { class: "count" }, ` (${cart.item_count} ${cart.item_count === 1 ? "item" : "items"})`)),
    h("button", { type: "button", class: "primary", onclick: () => ctx.go("#/checkout") }, "Checkout"));
}

export async function cartPage(ctx) {
  const cart = await api.cart();
  if (!ctx.current()) return;
  drawCart(ctx, cart);
}
