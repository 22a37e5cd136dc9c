// The order history and the order page, with cancel. The order page follows the
// order event stream (events.js) while the order can still change, and redraws itself
// when an event about this order comes: a cancel from another tab or client shows at once.

import { api } from "../api.js";
import { alert, h, heading, money, replace, shortDate } from "../dom.js";
import { followOrderEvents } from "../events.js";

// No event changes an order in these states.
const FINAL = new Set(["cancelled", "failed"]);

const OUTCOMES = {
  pending: "Order pending",
  confirmed: "Order confirmed",
  failed: "Payment declined",
  cancelled: "Order cancelled",
};

export async function orderList(ctx) {
  const page = Math.max(1, Number.parseInt(ctx.params.get("page") || "1", 10) || 1);
  const result = await api.orders({ page, page_size: 20 });
  if (!ctx.current()) return;
  const pages = Math.max(1, Math.ceil(result.total / result.page_size));
  replace(ctx.main, heading("Your orders"),
    result.items.length === 0
      ? h("p", { class: "empty" }, "No orders yet. ", h("a", { href: "#/products" }, "Start shopping"), ".")
      : h("table", { class: "orders" },
        h("thead", {}, h("tr", {}, ["Order", "Placed", "Status", "Total"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, result.items.map((order) => h("tr", {},
          h("td", {}, h("a", { href: `#/orders/${encodeURIComponent(order.id)}` }, `Order ${order.id}`)),
          h("td", {}, shortDate(order.created_at)),
          h("td", {}, order.status),
          h("td", {}, money(order.total_cents)))))),
    pages > 1 ? h("nav", { class: "pager", "aria-label": "Pages" },
      page > 1 ? h("a", { href: `#/orders?page=${page - 1}` }, "Previous page") : null,
      h("span", {}, ` Page ${page} of ${pages} `),
      page < pages ? h("a", { href: `#/orders?page=${page + 1}` }, "Next page") : null) : null);
}

/** The page's state: the order shown, and whether the stream is open. */
function drawOrder(ctx, view, message) {
  const { order } = view;
  const status = h("div", { class: "status" });
  async function cancel(event) {
    event.currentTarget.disabled = true;
    try {
      view.show(await api.cancel(order.id));
    } catch (error) {
      replace(status, alert(error.message));
    }
  }
  const address = order.shipping_address || {};
  replace(ctx.main,
    h("p", { class: "crumbs" }, h("a", { href: "#/orders" }, "Your orders")),
    heading(`Order ${order.id}`),
    h("p", { class: `outcome ${order.status}`, role: "status" }, OUTCOMES[order.status] || order.status),
    view.live ? h("p", { class: "live" }, "This page updates by itself.") : null,
    message ? alert(message) : null,
    h("dl", { class: "facts" },
      h("dt", {}, "Placed"), h("dd", {}, shortDate(order.created_at)),
      h("dt", {}, "Payment"), h("dd", {}, `${order.payment.status}, card ending ${order.payment.card_last4}`),
      h("dt", {}, "Ship to"), h("dd", {}, [address.name, address.line1, address.city,
        address.postal_code, address.country].filter(Boolean).join(", "))),
    h("ul", { class: "lines" }, order.items.map((item) => h("li", { class: "line" },
      h("span", { class: "name" }, item.name), h("span", {}, ` × ${item.quantity} `),
      h("span", { class: "unit" }, `${money(item.unit_price_cents)} each`),
      h("span", { class: "total" }, money(item.line_total_cents))))),
    h("p", { class: "grand" }, `Total: ${money(order.total_cents)}`),
    order.status === "confirmed"
      ? h("button", { type: "button", class: "danger", onclick: cancel }, "Cancel order") : null,
    status);
}

export async function orderPage(ctx) {
  const view = {
    order: await api.order(ctx.args[0]),
    live: false,
    stream: null,
    show(order) {
      if (!ctx.current()) return;
      let redraw = JSON.stringify(order) !== JSON.stringify(this.order);
      this.order = order;
      if (FINAL.has(order.status) && this.stream) {
        this.stream.close(); // nothing more can happen to this order
        this.stream = null;
        redraw = redraw || this.live;
        this.live = false;
      }
      if (redraw) drawOrder(ctx, this);
    },
    setLive(live) {
      if (!ctx.current() || this.live === live) return;
      this.live = live;
      drawOrder(ctx, this);
    },
  };
  if (!ctx.current()) return;
  drawOrder(ctx, view);
  if (FINAL.has(view.order.status)) return;
  let opened = false;
  view.stream = followOrderEvents({
    onOpen: async () => {
      view.setLive(true);
      if (opened) return; // a reconnect resumes after the last event: nothing is missed
      opened = true;
      // What changed between the first fetch and the stream's start is in no event it sends.
      try {
        view.show(await api.order(view.order.id));
      } catch {
        // The events to come still redraw the page; the next visit fetches it afresh.
      }
    },
    onEvent: (event) => {
      const order = event.data;
      if (order && order.id === view.order.id) view.show(order);
    },
    onEnd: () => view.setLive(false),
  });
  ctx.onLeave(() => view.stream && view.stream.close());
}
