/** One server-sent event. */
export interface SseEvent {
  readonly event: string | undefined;
  readonly data: string;
}

/**
 * Splits a text/event-stream into events (WHATWG rules: `event:` and `data:` fields, events end
 * at a blank line, CRLF or LF). Feed it chunks as they arrive.
 */
export class SseParser {
  #buffer = '';
  #event: string | undefined;
  #data: string[] = [];

  push(chunk: string): SseEvent[] {
    this.#buffer += chunk;
    const out: SseEvent[] = [];
    for (;;) {
      const newline = this.#buffer.search(/\r\n|\r|\n/);
      if (newline < 0) break;
      const line = this.#buffer.slice(0, newline);
      const width = this.#buffer.startsWith('\r\n', newline) ? 2 : 1;
      this.#buffer = this.#buffer.slice(newline + width);
      if (line === '') {
        if (this.#data.length > 0 || this.#event !== undefined)
          out.push({ event: this.#event, data: this.#data.join('\n') });
        this.#event = undefined;
        this.#data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.#event = value;
      else if (field === 'data') this.#data.push(value);
    }
    return out;
  }

  /** Whatever is left when the stream ends: an event not closed by a blank line. */
  end(): SseEvent[] {
    const out = this.push('\n\n');
    this.#buffer = '';
    return out;
  }
}
