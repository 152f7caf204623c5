/** Protocol version 3.0 as a startup packet carries it. */
export const PROTOCOL_3 = 196608;
/** Codes of the other untyped packets a client may send before its startup packet. */
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

const MAX_STARTUP_BYTES = 10_000;

/** An untyped packet: what a client sends before authentication. */
export type UntypedPacket =
  | { kind: "ssl" }
  | { kind: "gssenc" }
  | { kind: "cancel"; bytes: Buffer }
  | { kind: "startup"; params: Record<string, string> }
  | { kind: "unsupported"; code: number };

/** Thrown when a peer sends bytes that are not the Postgres wire protocol. */
export class WireProtocolError extends Error {}

/** Splits the first untyped packet off `buffer`; undefined while it is incomplete. */
export function takeUntypedPacket(buffer: Buffer): { packet: UntypedPacket; rest: Buffer } | undefined {
  if (buffer.length < 8) return undefined;
  const length = buffer.readInt32BE(0);
  if (length < 8 || length > MAX_STARTUP_BYTES)
    throw new WireProtocolError(`invalid startup packet length ${length}`);
  if (buffer.length < length) return undefined;
  const code = buffer.readInt32BE(4);
  const bytes = buffer.subarray(0, length);
  const rest = buffer.subarray(length);
  if (code === SSL_REQUEST) return { packet: { kind: "ssl" }, rest };
  if (code === GSSENC_REQUEST) return { packet: { kind: "gssenc" }, rest };
  if (code === CANCEL_REQUEST) return { packet: { kind: "cancel", bytes: Buffer.from(bytes) }, rest };
  if (code !== PROTOCOL_3) return { packet: { kind: "unsupported", code }, rest };
  const params: Record<string, string> = {};
  const fields = bytes.subarray(8).toString("utf8").split("\0");
  for (let i = 0; i + 1 < fields.length && fields[i] !== ""; i += 2)
    params[fields[i] ?? ""] = fields[i + 1] ?? "";
  return { packet: { kind: "startup", params }, rest };
}

/** A typed message: one type byte, an int32 length (counting itself), then the body. */
export interface WireMessage {
  type: string;
  body: Buffer;
  /** The whole message as it arrived. */
  raw: Buffer;
}

/** Splits the first typed message off `buffer`; undefined while it is incomplete. */
export function takeMessage(buffer: Buffer): { message: WireMessage; rest: Buffer } | undefined {
  if (buffer.length < 5) return undefined;
  const length = buffer.readInt32BE(1);
  if (length < 4) throw new WireProtocolError(`invalid message length ${length}`);
  if (buffer.length < 1 + length) return undefined;
  const raw = buffer.subarray(0, 1 + length);
  return {
    message: { type: String.fromCharCode(raw[0] ?? 0), body: raw.subarray(5), raw },
    rest: buffer.subarray(1 + length),
  };
}

/** Encodes a typed message. */
export function encodeMessage(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, "latin1");
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

/** Encodes a protocol 3.0 startup packet. */
export function encodeStartup(params: Record<string, string>): Buffer {
  const pairs = Object.entries(params).flat();
  const body = Buffer.from(`${pairs.map((field) => `${field}\0`).join("")}\0`, "utf8");
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + body.length, 0);
  header.writeInt32BE(PROTOCOL_3, 4);
  return Buffer.concat([header, body]);
}

/** An ErrorResponse message, as a server sends it when it refuses a connection. */
export function errorResponse(code: string, message: string, severity = "FATAL"): Buffer {
  const fields = [`S${severity}`, `V${severity}`, `C${code}`, `M${message}`].map((field) => `${field}\0`);
  return encodeMessage("E", Buffer.from(`${fields.join("")}\0`, "utf8"));
}

/** The message text of an ErrorResponse body. */
export function errorMessageOf(body: Buffer): string {
  for (const field of body.toString("utf8").split("\0")) if (field.startsWith("M")) return field.slice(1);
  return "unknown server error";
}

/** Follows the message boundaries of a stream of typed messages without buffering their bodies. */
export class MessageBoundaries {
  private header: Buffer = Buffer.alloc(0);
  private remaining = 0;

  /** Feeds the next chunk; returns the types of the messages whose headers complete in it. */
  push(chunk: Buffer): string[] {
    const types: string[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining > 0) {
        const skipped = Math.min(this.remaining, chunk.length - offset);
        this.remaining -= skipped;
        offset += skipped;
        continue;
      }
      const taken = chunk.subarray(offset, offset + 5 - this.header.length);
      offset += taken.length;
      this.header = Buffer.concat([this.header, taken]);
      if (this.header.length < 5) break;
      const length = this.header.readInt32BE(1);
      if (length < 4) throw new WireProtocolError(`invalid message length ${length}`);
      types.push(String.fromCharCode(this.header[0] ?? 0));
      this.remaining = length - 4;
      this.header = Buffer.alloc(0);
    }
    return types;
  }
}
