// Checkout: the card and the address. Every error the contract defines is shown at
// the field it concerns (as that field's accessible description): a declined card
// and a Luhn failure at "Card number", an expired card at "Expiry year", a missing
// field at that field, and out of stock at the cart line that asks for too much.

import { ApiError, api } from "../api.js";
import { alert, field, h, heading, money, replace, setFieldError } from "../dom.js";

const FIELDS = [
  ["payment.card_number", "card-number", "Card number", { autocomplete: "cc-number", inputmode: "numeric" }],
  ["payment.exp_month", "exp-month", "Expiry month", { autocomplete: "cc-exp-month", inputmode: "numeric" }],
  ["payment.exp_year", "exp-year", "Expiry year", { autocomplete: "cc-exp-year", inputmode: "numeric" }],
  ["payment.cvc", "cvc", "CVC", { autocomplete: "cc-csc", inputmode: "numeric" }],
  ["shipping_address.name", "ship-name", "Full name", { autocomplete: "name" }],
  ["shipping_address.line1", "ship-line1", "Address line 1", { autocomplete: "address-line1" }],
  ["shipping_address.city", "ship-city", "City", { autocomplete: "address-level2" }],
  ["shipping_address.postal_code", "ship-postal", "Postal code", { autocomplete: "postal-code" }],
  ["shipping_address.country", "ship-country", "Country", { autocomplete: "country" }],
];
const INTEGER_FIELDS = new Set(["payment.exp_month", "payment.exp_year"]);

function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The request body; an empty or non-numeric month or year is left out (the API names it). */
function orderBody(fields) {
  const body = { payment: {}, shipping_address: {} };
  for (const [path] of FIELDS) {
    const [group, name] = path.split(".");
    const value = fields[path].input.value.trim();
    if (INTEGER_FIELDS.has(path)) {
      if (/^\d{1,4}$/.test(value)) body[group][name] = Number(value);
    } else {
      body[group][name] = group === "payment" ? value.replace(/[\s-]/g, "") : value;
    }
  }
  return body;
}

function summaryLines(cart) {
  const slots = {};
  const list = h("ul", { class: "lines summary-lines", "aria-label": "Order summary" },
    cart.items.map((item) => {
      slots[item.product_id] = h("p", { class: "field-error", id: `stock-${item.product_id}`, hidden: true });
      return h("li", { class: "line", "aria-describedby": `stock-${item.product_id}` },
        h("span", { class: "name" }, item.name), h("span", {}, ` × ${item.quantity} `),
        h("span", { class: "total" }, money(item.line_total_cents)), slots[item.product_id]);
    }));
  return { list, slots };
}

function showProblem(error, fields, slots, summary) {
  const problem = error instanceof ApiError ? error.problem : {};
  let first = null;
  const at = (f, message) => {
    setFieldError(f, message);
    first = first || f.input;
  };
  if (error.slug === "payment-declined") {
    at(fields["payment.card_number"], "Payment declined. Please use another card.");
  } else if (error.slug === "out-of-stock") {
    for (const { product_id: id, requested, available } of problem.items || []) {
      if (!slots[id]) continue;
      slots[id].textContent = `Out of stock: ${available} available, ${requested} in your cart.`;
      slots[id].hidden = false;
    }
  } else if (error.slug === "validation") {
    for (const { field: name, message } of problem.errors || []) {
      if (fields[name]) at(fields[name], message);
    }
  }
  const extra = error.slug === "out-of-stock"
    ? h("a", { href: "#/cart" }, "Change the quantities in your cart") : null;
  replace(summary, alert(`The order was not placed: ${error.message}`), extra);
  (first || summary).focus?.();
}

export async function checkoutPage(ctx) {
  const cart = await api.cart();
  if (!ctx.current()) return;
  ctx.setCart(cart);
  if (cart.items.length === 0) {
    replace(ctx.main, heading("Checkout"),
      h("p", { class: "empty" }, "Your cart is empty. ", h("a", { href: "#/products" }, "Browse the products"), "."));
    return;
  }
  const fields = Object.fromEntries(FIELDS.map(([path, id, label, attrs]) => [path, field(id, label, attrs)]));
  const { list, slots } = summaryLines(cart);
  const summary = h("div", { class: "summary", tabindex: "-1" });
  const place = h("button", { type: "submit", class: "primary" }, "Place order");

  async function onsubmit(event) {
    event.preventDefault();
    Object.values(fields).forEach((f) => setFieldError(f, ""));
    Object.values(slots).forEach((slot) => { slot.hidden = true; slot.textContent = ""; });
    replace(summary, h("p", { role: "status" }, "Placing your order…"));
    place.disabled = true;
    try {
      const order = await api.checkout(orderBody(fields), idempotencyKey());
      ctx.setCart(null);
      ctx.go(`#/orders/${encodeURIComponent(order.id)}`);
    } catch (error) {
      showProblem(error, fields, slots, summary);
    } finally {
      place.disabled = false;
    }
  }

  const group = (legend, paths) => h("fieldset", {}, h("legend", {}, legend), paths.map((p) => fields[p].row));
  replace(ctx.main, heading("Checkout"), list,
    h("p", { class: "grand" }, `Total: ${money(cart.total_cents)}`),
    h("form", { class: "stack checkout", novalidate: true, onsubmit },
      group("Card", FIELDS.slice(0, 4).map(([p]) => p)),
      group("Shipping address", FIELDS.slice(4).map(([p]) => p)),
      place, summary),
    h("p", { class: "hint" }, "Test cards: 4242 4242 4242 4242 is approved, 4000 0000 0000 0002 is declined."));
}
