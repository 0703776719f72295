// Incremental parser of a Server-Sent Events stream (the WHATWG "event stream interpretation"
// subset the server emits: id, event, data, retry, comments). Used by Node clients of /events —
// the integration tests and the benchmark — where no EventSource exists.

export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

export class SseParser {
  private buffer = '';

  /** Feeds decoded text; returns the complete frames it finished. Comments (heartbeats) are counted, not returned. */
  push(text: string): SseFrame[] {
    this.buffer += text;
    const frames: SseFrame[] = [];
    for (;;) {
      const m = /\r\n\r\n|\n\n|\r\r/.exec(this.buffer);
      if (!m) break;
      const block = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const frame: SseFrame = { data: '' };
      const data: string[] = [];
      let hasField = false;
      for (const line of block.split(/\r\n|\n|\r/)) {
        if (line.startsWith(':')) {
          this.comments++;
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon >= 0 ? line.slice(0, colon) : line;
        let value = colon >= 0 ? line.slice(colon + 1) : '';
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') {
          data.push(value);
          hasField = true;
        } else if (field === 'id') {
          frame.id = value;
          hasField = true;
        } else if (field === 'event') {
          frame.event = value;
          hasField = true;
        }
      }
      frame.data = data.join('\n');
      if (hasField && data.length > 0) frames.push(frame);
    }
    return frames;
  }

  /** Comment lines seen so far (the server's heartbeats). */
  comments = 0;
}
