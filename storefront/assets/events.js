// The caller's order events, live: GET /api/orders/events (Server-Sent Events).
//
// EventSource cannot send the Authorization header the stream needs, so the stream is
// read with fetch and its body parsed here (the SSE format of the HTML standard: id,
// event, data and retry fields, comment lines, any of the three line endings). When a
// response ends or the network drops, it reconnects with the last event's id in
// Last-Event-ID, after the server's `retry:` (or a growing pause), and so misses
// nothing; `close()` ends it for good (the page calls it when it is left).

import { session } from "./api.js";

const STREAM = "/api/orders/events";
const FIRST_PAUSE_MS = 1000;
const LONGEST_PAUSE_MS = 15000;

/** Reads SSE text as it arrives and calls onMessage({ id, event, data }) per message. */
export class SseParser {
  constructor(onMessage) {
    this.onMessage = onMessage;
    this.buffer = "";
    this.lastEventId = "";
    this.retry = null;
    this.event = "";
    this.data = [];
  }

  push(text) {
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i += 1) {
      const c = this.buffer[i];
      if (c !== "\n" && c !== "\r") continue;
      if (c === "\r" && i + 1 === this.buffer.length) break; // a "\n" may follow
      this.line(this.buffer.slice(start, i));
      if (c === "\r" && this.buffer[i + 1] === "\n") i += 1;
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  line(line) {
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.startsWith(":")) return; // a comment: the server's keep-alive
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id" && !value.includes("\0")) this.lastEventId = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
  }

  dispatch() {
    const message = { id: this.lastEventId, event: this.event || "message", data: this.data.join("\n") };
    const had = this.data.length > 0;
    this.event = "";
    this.data = [];
    if (had) this.onMessage(message);
  }
}

/**
 * Follows the stream: onEvent(cloudEvent, type) for each event, onOpen() each time a
 * response starts, onEnd(reason) when it stops for good on its own (signed out).
 * Returns { close() }.
 */
export function followOrderEvents({ onEvent, onOpen = () => {}, onEnd = () => {} }) {
  let closed = false;
  let controller = null;
  let timer = null;
  let lastEventId = "";
  let pause = FIRST_PAUSE_MS;

  function later(ms) {
    if (!closed) timer = setTimeout(connect, ms);
  }

  async function connect() {
    timer = null;
    if (!session.token) {
      closed = true;
      onEnd("signed-out");
      return;
    }
    controller = new AbortController();
    const headers = { Accept: "text/event-stream", Authorization: `Bearer ${session.token}` };
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    let retry = null;
    try {
      const response = await fetch(STREAM, { headers, cache: "no-store", signal: controller.signal });
      if (response.status === 401 || response.status === 403) {
        closed = true;
        onEnd("signed-out");
        return;
      }
      if (!response.ok || !response.body) {
        const after = Number.parseInt(response.headers.get("Retry-After") || "", 10);
        await response.body?.cancel();
        later(Number.isFinite(after) ? after * 1000 : pause);
        pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
        return;
      }
      onOpen();
      pause = FIRST_PAUSE_MS;
      const parser = new SseParser((message) => {
        lastEventId = message.id || lastEventId;
        let event;
        try {
          event = JSON.parse(message.data);
        } catch {
          return; // not one of ours: nothing to show
        }
        onEvent(event, message.event);
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
      retry = parser.retry;
    } catch (error) {
      if (closed) return; // aborted by close()
    }
    // The response ended (the monolith ends one after a while) or the network dropped.
    later(retry ?? pause);
    if (retry === null) pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
  }

  connect();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (controller) controller.abort();
    },
  };
}
