// Sign up and sign in. Sign out is the header's button (see app.js).

import { ApiError, api } from "../api.js";
import { alert, field, h, heading, replace, setFieldError } from "../dom.js";

function showErrors(error, fields, summary) {
  Object.values(fields).forEach((f) => setFieldError(f, ""));
  const errors = error instanceof ApiError ? error.problem.errors || [] : [];
  for (const { field: name, message } of errors) {
    if (fields[name]) setFieldError(fields[name], message);
  }
  replace(summary, alert(error.message));
}

function accountForm({ title, button, withName, submit }) {
  const fields = {};
  if (withName) fields.name = field("name", "Name", { autocomplete: "name", maxlength: "100" });
  fields.email = field("email", "Email", { type: "email", autocomplete: "email" });
  fields.password = field("password", "Password", { type: "password",
    autocomplete: withName ? "new-password" : "current-password" });
  const summary = h("div", { class: "summary" });
  const send = h("button", { type: "submit" }, button);
  async function onsubmit(event) {
    event.preventDefault();
    send.disabled = true;
    const values = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.input.value]));
    try {
      await submit(values);
    } catch (error) {
      showErrors(error, fields, summary);
    } finally {
      send.disabled = false;
    }
  }
  return [heading(title), h("form", { class: "stack", novalidate: true, onsubmit },
    Object.values(fields).map((f) => f.row), send, summary)];
}

export async function signUp(ctx) {
  replace(ctx.main, ...accountForm({ title: "Create an account", button: "Sign up", withName: true,
    submit: async (values) => {
      await api.register(values);
      const { access_token: token } = await api.login({ email: values.email, password: values.password });
      await ctx.signedInAs(token);
      if (ctx.current()) ctx.go("#/products");  // unless the person went elsewhere meanwhile
    } }),
  h("p", {}, "Already have an account? ", h("a", { href: "#/signin" }, "Sign in instead"), "."));
}

export async function signIn(ctx) {
  replace(ctx.main, ...accountForm({ title: "Sign in", button: "Sign in", withName: false,
    submit: async (values) => {
      const { access_token: token } = await api.login(values);
      await ctx.signedInAs(token);
      if (ctx.current()) ctx.go("#/products");  // unless the person went elsewhere meanwhile
    } }),
  h("p", {}, "New here? ", h("a", { href: "#/signup" }, "Create an account"), "."));
}
