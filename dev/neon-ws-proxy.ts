import type { IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { type Counters, TRACE_PARAM } from "./counters";
import { errorMessage } from "./http-util";
import {
  encodeStartup,
  errorMessageOf,
  errorResponse,
  MessageBoundaries,
  takeMessage,
  takeUntypedPacket,
  WireProtocolError,
} from "./pg-wire";
import { PasswordAuthenticator } from "./pg-wire-auth";
import {
  DatabaseNameError,
  DEFAULT_DATABASE,
  type PostgresBackend,
  type WireTarget,
} from "./postgres-backend";

/** Path of the WebSocket endpoint (Neon's own proxy path: the driver's default wsProxy is `${host}/v2`). */
export const WS_PROXY_PATH = "/v2";

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function openSocket(target: WireTarget): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    socket.once("connect", () => {
      socket.off("error", reject);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/**
 * One WebSocket carrying one Postgres connection. The proxy reads the startup packet itself: it
 * creates the database on first use (as /sql does), logs in to the server as the backend's own
 * role (the client's user and password are ignored locally, as on /sql), and then pipes bytes
 * both ways unchanged from the server's AuthenticationOk on.
 */
class ProxySession {
  private pending: Buffer = Buffer.alloc(0);
  private phase: "startup" | "connecting" | "piping" = "startup";
  /** After AuthenticationOk, drop PasswordMessages a client pipelined (neonConfig.pipelineConnect). */
  private stripPasswords = true;
  private upstream: Socket | undefined;
  private readonly sent = new MessageBoundaries();
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly trace: string | undefined,
    private readonly options: NeonWsProxyOptions,
  ) {
    ws.on("message", (data) => this.fromClient(toBuffer(data)));
    ws.on("close", () => this.close());
    ws.on("error", () => this.close());
  }

  /**
   * Closes both sides: at once ("now"), or once the bytes already queued for each side are written
   * ("flush"). There is no WebSocket close handshake: after a server-initiated one, workerd reports
   * "Network connection lost" to the driver, which rethrows it as an unhandled error. A ping's
   * write callback runs after every earlier frame is written; then the TCP connection closes, as
   * when a Postgres server hangs up.
   */
  close(mode: "now" | "flush" = "now"): void {
    const wasClosed = this.closed;
    this.closed = true;
    if (mode === "now") {
      this.upstream?.destroy();
      this.ws.terminate();
    } else if (!wasClosed) {
      this.upstream?.end();
      if (this.ws.readyState === this.ws.OPEN) this.ws.ping(undefined, undefined, () => this.ws.terminate());
      else this.ws.terminate();
    }
  }

  /**
   * Writes client bytes to the server. On Terminate ('X') it closes both sides itself: Postgres
   * would close the connection, pglite-socket does not, and the driver's end() waits for a close.
   */
  private writeUpstream(bytes: Buffer): void {
    let types: string[];
    try {
      types = this.sent.push(bytes);
    } catch (error) {
      this.refuse("08P01", errorMessage(error));
      return;
    }
    this.upstream?.write(bytes);
    if (types.includes("X")) this.close("flush");
  }

  /** Sends a FATAL ErrorResponse the way a server refuses a connection, then closes. */
  private refuse(code: string, message: string): void {
    if (this.closed) return;
    this.options.log(`ws proxy: refused connection: ${message}`);
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(errorResponse(code, message));
    this.close("flush");
  }

  private fromClient(chunk: Buffer): void {
    if (this.closed) return;
    if (this.phase === "piping") {
      this.toServer(chunk);
      return;
    }
    this.pending = Buffer.concat([this.pending, chunk]);
    if (this.phase === "startup") this.readStartup();
  }

  private toServer(chunk: Buffer): void {
    if (!this.stripPasswords) {
      this.writeUpstream(chunk);
      return;
    }
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length > 0 && this.pending[0] === "p".charCodeAt(0)) {
      const taken = takeMessage(this.pending);
      if (!taken) return;
      this.pending = taken.rest;
    }
    if (this.pending.length === 0) return;
    this.stripPasswords = false;
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    this.writeUpstream(rest);
  }

  private readStartup(): void {
    for (;;) {
      let taken: ReturnType<typeof takeUntypedPacket>;
      try {
        taken = takeUntypedPacket(this.pending);
      } catch (error) {
        this.refuse("08P01", errorMessage(error));
        return;
      }
      if (!taken) return;
      this.pending = taken.rest;
      const { packet } = taken;
      if (packet.kind === "ssl" || packet.kind === "gssenc") {
        this.ws.send(Buffer.from("N"));
      } else if (packet.kind === "cancel") {
        this.phase = "connecting";
        void this.forwardCancel(packet.bytes);
        return;
      } else if (packet.kind === "unsupported") {
        this.refuse("08P01", `unsupported frontend protocol ${packet.code}`);
        return;
      } else {
        this.phase = "connecting";
        void this.connect(packet.params);
        return;
      }
    }
  }

  private async forwardCancel(bytes: Buffer): Promise<void> {
    try {
      const socket = await openSocket(await this.options.backend.wire(DEFAULT_DATABASE));
      socket.end(bytes);
    } catch {
      // A lost cancel request is harmless.
    }
    this.close();
  }

  private async connect(params: Record<string, string>): Promise<void> {
    const database = params.database || DEFAULT_DATABASE;
    this.options.counters.count("neon", this.trace ?? params.application_name);
    let target: WireTarget;
    let upstream: Socket;
    try {
      target = await this.options.backend.wire(database);
      upstream = await openSocket(target);
    } catch (error) {
      const code = error instanceof DatabaseNameError ? "3D000" : "08006";
      this.refuse(code, errorMessage(error));
      return;
    }
    if (this.closed) {
      upstream.destroy();
      return;
    }
    this.upstream = upstream;
    upstream.on("error", () => this.close("flush"));
    upstream.on("close", () => this.close("flush"));
    const { user: _user, database: _database, ...rest } = params;
    upstream.write(encodeStartup({ ...rest, user: target.user, database }));
    this.authenticate(upstream, new PasswordAuthenticator(target.user, target.password));
  }

  /** Answers the server's authentication requests until AuthenticationOk, then starts piping. */
  private authenticate(upstream: Socket, authenticator: PasswordAuthenticator): void {
    let buffer: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      try {
        for (let taken = takeMessage(buffer); taken; taken = takeMessage(buffer)) {
          buffer = taken.rest;
          const { message } = taken;
          if (message.type === "E") {
            this.options.log(`ws proxy: server refused the login: ${errorMessageOf(message.body)}`);
            this.ws.send(message.raw);
            this.close("flush");
            return;
          }
          if (message.type !== "R") {
            this.ws.send(message.raw); // NegotiateProtocolVersion, notices
            continue;
          }
          const step = authenticator.answer(message.body);
          if (!step.done) {
            if (step.reply) upstream.write(step.reply);
            continue;
          }
          upstream.off("data", onData);
          upstream.on("data", (data: Buffer) => this.ws.send(data));
          this.ws.send(Buffer.concat([message.raw, buffer]));
          this.phase = "piping";
          const early = this.pending;
          this.pending = Buffer.alloc(0);
          if (early.length > 0) this.toServer(early);
          return;
        }
      } catch (error) {
        this.refuse(error instanceof WireProtocolError ? "28000" : "08P01", errorMessage(error));
      }
    };
    upstream.on("data", onData);
  }
}

/** What the proxy needs from the stack. */
export interface NeonWsProxyOptions {
  backend: PostgresBackend;
  counters: Counters;
  log: (line: string) => void;
}

/**
 * Neon's WebSocket proxy for Pool/Client (interactive transactions): raw Postgres wire protocol in
 * binary WebSocket messages on GET /v2?address=host:port (the address is ignored: the database
 * name in the startup packet picks the database). Each connection counts as one `neon` round trip,
 * under the `backline_trace` query parameter of the WebSocket URL or else the `application_name`
 * startup parameter.
 */
export class NeonWsProxy {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly sessions = new Set<ProxySession>();
  private stopped = false;

  constructor(private readonly options: NeonWsProxyOptions) {}

  /** Takes over an HTTP upgrade for the proxy path; false when the request is not the proxy's. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== WS_PROXY_PATH) return false;
    if (this.stopped) {
      socket.destroy();
      return true;
    }
    const trace = url.searchParams.get(TRACE_PARAM) || undefined;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new ProxySession(ws, trace, this.options);
      this.sessions.add(session);
      ws.once("close", () => this.sessions.delete(session));
    });
    return true;
  }

  /** Drops every open connection (an open transaction rolls back) and refuses new ones. */
  close(): void {
    this.stopped = true;
    for (const session of this.sessions) session.close();
    this.sessions.clear();
    this.wss.close();
  }
}
