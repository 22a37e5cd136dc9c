// Small DOM helpers: elements are built with properties and text nodes, never from
// HTML strings, so nothing the API returns can become markup.

/** h("a", {href: "#/"}, "Home", child, ...) → an element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key in el && typeof value !== "string") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace everything inside ``el``. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Integer cents as dollars, e.g. 123456 → "$1,234.56"; no floating point involved. */
export function money(cents) {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}$${whole}.${String(abs % 100).padStart(2, "0")}`;
}

/** "12.5" or "12.50" or "12" → 1250 cents; anything else → null. */
export function parseMoney(text) {
  const match = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] || "0").padEnd(2, "0"));
}

/** A labelled input: <label for=id>text</label><input id=id ...>, plus an error slot. */
export function field(id, label, attrs = {}) {
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
  const input = h(attrs.tag || "input", { id, name: id, ...attrs, tag: undefined });
  return { input, error, row: h("div", { class: "field" }, h("label", { for: id }, label), input, error) };
}

/** Show ``message`` at a field made by ``field()``: its accessible description and aria-invalid. */
export function setFieldError(f, message) {
  if (message) {
    f.error.textContent = message;
    f.error.hidden = false;
    f.input.setAttribute("aria-invalid", "true");
    f.input.setAttribute("aria-describedby", f.error.id);
  } else {
    f.error.textContent = "";
    f.error.hidden = true;
    f.input.removeAttribute("aria-invalid");
    f.input.removeAttribute("aria-describedby");
  }
}

export function heading(text) {
  return h("h1", { tabindex: "-1" }, text);
}

export function loading(text = "Loading…") {
  return h("p", { class: "loading", role: "status" }, text);
}

export function alert(text) {
  return h("p", { class: "alert", role: "alert" }, text);
}

export function shortDate(iso) {
  return iso ? iso.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC") : "";
}
