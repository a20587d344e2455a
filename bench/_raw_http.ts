/**
 * A keep-alive HTTP/1.1 client over plain TCP, for benchmark clients that
 * time a node's answers under load. `fetch` costs the calling process
 * ~0.1 ms of CPU a request and its collections; at a burst's ~900
 * requests a second from one process that made the client's event loop lag
 * 5-15 ms dozens of times in 5 s, which showed as the node's refusals being
 * slow (bench/admission.ts: refusal p99 8.5-10.9 ms through fetch, 5.2-6.0
 * through this, same node, alternating runs). It speaks only what eddy
 * answers with: a status line, headers with a `content-length` (no chunked
 * bodies), one request at a time per connection.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An answer: its status and its body's bytes. */
export interface RawAnswer {
  status: number;
  body: Uint8Array;
}

/** The server closed a connection before any byte of its answer came. */
class ClosedBeforeAnswer extends Error {}

/** One kept-alive connection and what it has read past its last answer. */
class Connection {
  #buffer = new Uint8Array(16 * 1024);
  #length = 0;

  constructor(readonly conn: Deno.TcpConn) {}

  async exchange(request: Uint8Array): Promise<RawAnswer> {
    try {
      let written = 0;
      while (written < request.byteLength) {
        written += await this.conn.write(request.subarray(written));
      }
    } catch (error) {
      if (
        error instanceof Deno.errors.BrokenPipe ||
        error instanceof Deno.errors.ConnectionReset
      ) throw new ClosedBeforeAnswer(String(error));
      throw error;
    }
    for (;;) {
      const answer = this.#answer();
      if (answer) return answer;
      if (this.#length === this.#buffer.byteLength) {
        const grown = new Uint8Array(this.#buffer.byteLength * 2);
        grown.set(this.#buffer);
        this.#buffer = grown;
      }
      const n = await this.conn.read(this.#buffer.subarray(this.#length))
        .catch((error) => {
          if (error instanceof Deno.errors.ConnectionReset) return null;
          throw error;
        });
      if (n === null) {
        const why = "the server closed the connection before answering";
        throw this.#length === 0
          ? new ClosedBeforeAnswer(why)
          : new Error(`${why} whole`);
      }
      this.#length += n;
    }
  }

  /** The first whole answer in the buffer, taken out of it, if there is one. */
  #answer(): RawAnswer | undefined {
    const bytes = this.#buffer;
    let bodyAt = -1;
    for (let i = 3; i < this.#length; i++) {
      if (
        bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 &&
        bytes[i - 3] === 13
      ) {
        bodyAt = i + 1;
        break;
      }
    }
    if (bodyAt < 0) return undefined;
    const head = decoder.decode(bytes.subarray(0, bodyAt));
    const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
    if (!length) {
      throw new Error(
        `an answer without content-length (chunked?): ${head.trim()}`,
      );
    }
    const end = bodyAt + Number(length[1]);
    if (this.#length < end) return undefined;
    const answer = {
      status: Number(head.slice(9, 12)),
      body: bytes.slice(bodyAt, end),
    };
    bytes.copyWithin(0, end, this.#length);
    this.#length -= end;
    return answer;
  }
}

/**
 * Requests to one server over kept-alive connections: an idle one if there
 * is one, else a new one, so that requests in flight at once each have
 * their own. A request on an idle connection the server closed meanwhile
 * (nothing of an answer came) goes again once, on a new connection.
 *
 * @example
 * ```ts ignore
 * using client = new RawHttpClient("127.0.0.1", 8080);
 * const { status, body } = await client.post("/invoke/echo", "hi");
 * ```
 */
export class RawHttpClient implements Disposable {
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();

  constructor(readonly hostname: string, readonly port: number) {}

  /** POSTs `body` to `path` and reads the whole answer. */
  async post(path: string, body: string): Promise<RawAnswer> {
    const payload = encoder.encode(body);
    const head = encoder.encode(
      `POST ${path} HTTP/1.1\r\nhost: ${this.hostname}:${this.port}\r\n` +
        `content-length: ${payload.byteLength}\r\n\r\n`,
    );
    const request = new Uint8Array(head.byteLength + payload.byteLength);
    request.set(head);
    request.set(payload, head.byteLength);
    const idle = this.#idle.pop();
    if (idle) {
      try {
        return await this.#exchange(idle, request);
      } catch (error) {
        // Closed by the server while it was idle: the request never got
        // there, so it goes again on a new connection.
        if (!(error instanceof ClosedBeforeAnswer)) throw error;
      }
    }
    return await this.#exchange(await this.#connect(), request);
  }

  async #exchange(
    connection: Connection,
    request: Uint8Array,
  ): Promise<RawAnswer> {
    try {
      const answer = await connection.exchange(request);
      this.#idle.push(connection);
      return answer;
    } catch (error) {
      this.#all.delete(connection);
      connection.conn.close();
      throw error;
    }
  }

  /** Connections opened and still open. */
  get connections(): number {
    return this.#all.size;
  }

  async #connect(): Promise<Connection> {
    const connection = new Connection(
      await Deno.connect({ hostname: this.hostname, port: this.port }),
    );
    this.#all.add(connection);
    return connection;
  }

  [Symbol.dispose](): void {
    for (const connection of this.#all) connection.conn.close();
    this.#all.clear();
    this.#idle.length = 0;
  }
}
