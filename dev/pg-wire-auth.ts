import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import { encodeMessage, WireProtocolError } from "./pg-wire";

const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest();
const md5Hex = (data: Buffer | string) => createHash("md5").update(data).digest("hex");

/** The response to an MD5 password request: "md5" + md5(md5(password + user) + salt). */
export function md5PasswordResponse(user: string, password: string, salt: Buffer): string {
  return `md5${md5Hex(Buffer.concat([Buffer.from(md5Hex(password + user)), salt]))}`;
}

function scramAttributes(message: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of message.split(",")) {
    const at = part.indexOf("=");
    if (at > 0) attributes.set(part.slice(0, at), part.slice(at + 1));
  }
  return attributes;
}

/** The client side of SCRAM-SHA-256 without channel binding (RFC 5802 / RFC 7677), as Postgres uses it. */
export class ScramClient {
  private readonly clientFirstBare: string;
  private serverSignature: Buffer | undefined;

  /** Postgres ignores the SCRAM user name (it uses the startup packet's), so `n=*` is the default. */
  constructor(
    private readonly password: string,
    private readonly nonce = randomBytes(18).toString("base64"),
    user = "*",
  ) {
    this.clientFirstBare = `n=${user},r=${nonce}`;
  }

  /** client-first-message */
  clientFirst(): string {
    return `n,,${this.clientFirstBare}`;
  }

  /** client-final-message for the server-first-message. */
  clientFinal(serverFirst: string): string {
    const attributes = scramAttributes(serverFirst);
    const nonce = attributes.get("r") ?? "";
    const salt = Buffer.from(attributes.get("s") ?? "", "base64");
    const iterations = Number(attributes.get("i"));
    if (!nonce.startsWith(this.nonce) || nonce.length === this.nonce.length) {
      throw new WireProtocolError("SCRAM: the server nonce does not extend the client nonce");
    }
    if (salt.length === 0 || !Number.isInteger(iterations) || iterations < 1) {
      throw new WireProtocolError("SCRAM: invalid server-first-message");
    }
    const salted = pbkdf2Sync(this.password, salt, iterations, 32, "sha256");
    const clientKey = hmac(salted, "Client Key");
    const storedKey = createHash("sha256").update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ (signature[i] ?? 0)));
    this.serverSignature = hmac(hmac(salted, "Server Key"), authMessage);
    return `${withoutProof},p=${proof.toString("base64")}`;
  }

  /** Throws unless the server-final-message proves the server knows the password too. */
  verifyServerFinal(serverFinal: string): void {
    const attributes = scramAttributes(serverFinal);
    const error = attributes.get("e");
    if (error) throw new WireProtocolError(`SCRAM: server error ${error}`);
    const signature = Buffer.from(attributes.get("v") ?? "", "base64");
    const expected = this.serverSignature;
    if (!expected || signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw new WireProtocolError("SCRAM: the server signature does not match");
    }
  }
}

/** What to do after one AuthenticationRequest ('R') message. */
export type AuthStep = { done: true } | { done: false; reply?: Buffer };

/** Answers a server's authentication requests for one role: trust, cleartext, MD5 or SCRAM-SHA-256. */
export class PasswordAuthenticator {
  private scram: ScramClient | undefined;

  constructor(
    private readonly user: string,
    private readonly password: string | undefined,
  ) {}

  /** The step for the body of an 'R' message. */
  answer(body: Buffer): AuthStep {
    const code = body.readInt32BE(0);
    if (code === 0) return { done: true };
    if (code === 12) {
      this.scram?.verifyServerFinal(body.subarray(4).toString("utf8"));
      return { done: false };
    }
    const password = this.password;
    if (password === undefined) {
      throw new WireProtocolError(
        `the server asks for a password (authentication request ${code}); put it in the server's connection string`,
      );
    }
    switch (code) {
      case 3:
        return { done: false, reply: encodeMessage("p", Buffer.from(`${password}\0`, "utf8")) };
      case 5: {
        const response = md5PasswordResponse(this.user, password, body.subarray(4, 8));
        return { done: false, reply: encodeMessage("p", Buffer.from(`${response}\0`, "utf8")) };
      }
      case 10: {
        const mechanisms = body.subarray(4).toString("utf8").split("\0");
        if (!mechanisms.includes("SCRAM-SHA-256")) {
          throw new WireProtocolError(
            `no supported SASL mechanism in ${mechanisms.filter(Boolean).join(", ")}`,
          );
        }
        this.scram = new ScramClient(password);
        const first = Buffer.from(this.scram.clientFirst(), "utf8");
        const length = Buffer.alloc(4);
        length.writeInt32BE(first.length, 0);
        const reply = Buffer.concat([Buffer.from("SCRAM-SHA-256\0", "utf8"), length, first]);
        return { done: false, reply: encodeMessage("p", reply) };
      }
      case 11: {
        if (!this.scram) throw new WireProtocolError("SASLContinue before SASL");
        const final = this.scram.clientFinal(body.subarray(4).toString("utf8"));
        return { done: false, reply: encodeMessage("p", Buffer.from(final, "utf8")) };
      }
      default:
        throw new WireProtocolError(`unsupported authentication request ${code}`);
    }
  }
}
